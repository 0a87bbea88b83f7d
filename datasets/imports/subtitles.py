"""WebVTT and SRT: one layer per file (webvtt-py parses it).

A file in a Tandem subtitle export (``{item}/{kind}/{annotator}/{track}.vtt``) names its item,
annotator and track; ``{item}/{track}.vtt`` names item and track; any other file is its own item
and its layer is ``subtitles``.
"""

from __future__ import annotations

import io

from datasets.exports.base import unquote_name
from datasets.imports.base import ImportFormatError, SourceLayer, SourceRegion, clock_ms, stem

LAYER = "subtitles"


def read_subtitles(name: str, data: bytes) -> list[SourceLayer]:
    import webvtt

    srt = name.lower().endswith(".srt")
    try:
        text = data.decode("utf-8-sig")
        parsed = webvtt.from_buffer(io.StringIO(text), format="srt" if srt else "vtt")
    except Exception as exc:  # webvtt-py raises its own errors and ValueError on malformed cues
        raise ImportFormatError(name, f"not a readable {'SRT' if srt else 'WebVTT'} file ({exc})") from None
    parts = [unquote_name(p) for p in name.replace("\\", "/").split("/") if p]
    annotator = None
    if len(parts) >= 4:
        item, annotator, layer = parts[-4], parts[-2], stem(parts[-1])
    elif len(parts) >= 2:
        item, layer = parts[-2], stem(parts[-1])
    else:
        item, layer = stem(name), LAYER
    regions = []
    for n, cue in enumerate(parsed.captions, start=1):
        where = f"cue {getattr(cue, 'identifier', None) or n}"
        start = clock_ms(cue.start, name, layer, where)
        end = clock_ms(cue.end, name, layer, where)
        if end < start:
            raise ImportFormatError(name, f"ends ({end} ms) before it starts ({start} ms)", layer=layer,
                                    annotation=where)
        regions.append(SourceRegion(start, end, cue.text, where))
    return [SourceLayer(file=name, item_key=item, layer=layer, regions=regions, annotator=annotator)]
