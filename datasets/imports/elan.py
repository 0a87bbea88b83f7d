"""ELAN EAF: one layer per tier, named as the tier is (pympi reads the file).

The item is the first linked media file's name (``MEDIA_URL``, ``RELATIVE_MEDIA_URL``), else the
EAF's own name without its extension; the other linked files' names and the EAF's name are other
names it goes by (an import that brings the media makes one item of all the files it links). The tier's ``ANNOTATOR`` attribute, when set, names the
annotator. Reference tiers take their times from the annotations they refer to.
"""

from __future__ import annotations

import warnings
from typing import Any
from urllib.parse import unquote, urlparse

from datasets.imports.base import ImportFormatError, SourceLayer, SourceRegion, on_disk, stem


def _media_names(eaf: Any) -> list[str]:
    names = []
    for media in getattr(eaf, "media_descriptors", []):
        url = media.get("MEDIA_URL") or media.get("RELATIVE_MEDIA_URL") or ""
        path = unquote(urlparse(url).path or url)
        name = path.replace("\\", "/").rsplit("/", 1)[-1]
        if name and name not in names:
            names.append(name)
    return names


def _times(eaf: Any, file: str, tier: str, aid: str, slot1: str, slot2: str) -> tuple[int, int]:
    start, end = eaf.timeslots.get(slot1), eaf.timeslots.get(slot2)
    if start is None or end is None:
        raise ImportFormatError(file, "a time slot has no time (an unaligned annotation)", layer=tier, annotation=aid)
    if end < start:
        raise ImportFormatError(file, f"ends ({end} ms) before it starts ({start} ms)", layer=tier, annotation=aid)
    return int(start), int(end)


def read_eaf(name: str, data: bytes) -> list[SourceLayer]:
    with on_disk(name, data) as path, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import pympi

            eaf = pympi.Elan.Eaf(str(path), suppress_version_warning=True)
        except Exception as exc:  # pympi raises bare Exception, KeyError… on malformed files
            raise ImportFormatError(name, f"not a readable ELAN file ({type(exc).__name__}: {exc})") from None
    media = _media_names(eaf)
    item = media[0] if media else stem(name)
    aliases = (*media[1:], stem(name)) if media else ()
    layers = []
    for tier, (aligned, refs, attrs, _order) in eaf.tiers.items():
        regions: list[SourceRegion] = []
        for aid, (slot1, slot2, value, _svg) in aligned.items():
            start, end = _times(eaf, name, tier, aid, slot1, slot2)
            regions.append(SourceRegion(start, end, value or "", aid))
        for aid, (ref, value, _prev, _svg) in refs.items():
            parent = _find(eaf, ref)
            if parent is None:
                raise ImportFormatError(name, f"refers to annotation '{ref}', which does not exist", layer=tier,
                                        annotation=aid)
            start, end = _times(eaf, name, tier, aid, parent[0], parent[1])
            regions.append(SourceRegion(start, end, value or "", aid))
        regions.sort(key=lambda r: (r.start_ms or 0, r.end_ms or 0, r.where))
        layers.append(SourceLayer(file=name, item_key=item, layer=tier, regions=regions,
                                  annotator=attrs.get("ANNOTATOR") or None, item_aliases=aliases))
    return layers


def _find(eaf: Any, aid: str, depth: int = 0) -> tuple[str, str] | None:
    """The time slots of an aligned annotation, following reference chains (bounded: a cycle is an error)."""
    if depth > 32:
        return None
    for aligned, refs, _attrs, _order in eaf.tiers.values():
        if aid in aligned:
            return aligned[aid][0], aligned[aid][1]
        if aid in refs:
            return _find(eaf, refs[aid][0], depth + 1)
    return None
