"""Praat TextGrid: one layer per tier (praatio reads the file, long or short form).

TextGrids name no media, so the item is the file's name without ``.TextGrid``. Interval tiers
give intervals (empty ones are gaps, not annotations); point tiers give points.
"""

from __future__ import annotations

from datasets.imports.base import ImportFormatError, SourceLayer, SourceRegion, on_disk, seconds_ms, stem


def read_textgrid(name: str, data: bytes) -> list[SourceLayer]:
    from praatio import textgrid
    from praatio.utilities.constants import POINT_TIER

    with on_disk(name, data) as path:
        try:
            grid = textgrid.openTextgrid(str(path), includeEmptyIntervals=False)
        except Exception as exc:  # praatio raises many kinds on a malformed file
            raise ImportFormatError(name, f"not a readable TextGrid ({type(exc).__name__}: {exc})") from None
    layers = []
    for tier_name in grid.tierNames:
        tier = grid.getTier(tier_name)
        regions = []
        point = tier.tierType == POINT_TIER
        for n, entry in enumerate(tier.entries, start=1):
            if point:
                where = f"point {n}"
                at = seconds_ms(entry.time, name, tier_name, where)
                regions.append(SourceRegion(at, at, entry.label, where, point=True))
            else:
                where = f"interval {n}"
                start = seconds_ms(entry.start, name, tier_name, where)
                end = seconds_ms(entry.end, name, tier_name, where)
                regions.append(SourceRegion(start, end, entry.label, where))
        layers.append(SourceLayer(file=name, item_key=stem(name), layer=tier_name, regions=regions))
    return layers
