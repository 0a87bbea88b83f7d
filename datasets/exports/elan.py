"""ELAN annotation documents (EAF 3.0), one ``{item}.eaf`` per item in a zip.

Each document links the item's audio and video streams as MEDIA_DESCRIPTORs with their MIME
type (from the probed container, else the key's extension, else ``audio/x-wav``/``video/mp4``;
a key's extension is whatever the uploaded file was called, the probe is what it holds):
``RELATIVE_MEDIA_URL="./media/{uri}"`` is where an export with media included puts the file
beside the document, so ELAN finds it when the zip is unpacked; ``MEDIA_URL`` is the same path
as a ``file:///media/{uri}`` URL, since ELAN wants an absolute URL there and tries the relative
one when it does not resolve. A stream that starts `offset_ms` into the item timeline gets
``TIME_ORIGIN = -offset_ms`` (ELAN's time origin is the media time shown at annotation time 0),
so ELAN plays every stream in sync. Tiers: one per (segment/point/transcript track, annotation)
that has regions, named ``{track}/{kind}/{annotator}`` (components percent-quoted) with
ANNOTATOR set; values are labels (or the transcript text). ELAN allows no overlap inside a tier,
so where one annotator's regions overlap the tier is split into lanes as in the TextGrid
writer: the first keeps the name, the next are suffixed ``#2``, ``#3``…. Point tracks get their
own tiers of zero-length annotations (both time slots carry the instant; two at one instant go
to two lanes). Each labeled track has a controlled vocabulary of its labels. Item id, external
id and duration travel as header PROPERTYs. Not carried: spans, boxes, relations, region ids and
attributes.

The XML is written by hand (not with pympi-ling, which stamps the current date) so the bytes are
a function of the input only; pympi-ling reads the files back.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO
from urllib.parse import quote, unquote
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

from datasets.exports.base import (
    MIME_BY_CONTAINER,
    JSONDict,
    media_mime,
    safe_name,
    time_sorted,
    track_kinds,
    tracks_of_kind,
    unquote_name,
    write_document_per_item,
)
from datasets.exports.praat import assign_lanes

TIER_KINDS = ("segment", "point", "transcript")
_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
         '<ANNOTATION_DOCUMENT AUTHOR="" DATE="1970-01-01T00:00:00+00:00" FORMAT="3.0" VERSION="3.0" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
         'xsi:noNamespaceSchemaLocation="http://www.mpi.nl/tools/elan/EAFv3.0.xsd">\n')
_LANG = ('    <LANGUAGE LANG_DEF="http://cdb.iso.org/lg/CDB-00130975-001" LANG_ID="und" '
         'LANG_LABEL="undetermined (und)"/>\n')


def tier_name(track: str, kind: str, annotator: str) -> str:
    """Tier id for one track of one annotation."""
    return "/".join(safe_name(x) for x in (track, kind, annotator))


def parse_tier_name(name: str) -> tuple[str, str, str]:
    """(track, annotation kind, annotator) from a tier id made by `tier_name` (a lane suffix dropped)."""
    track, kind, annotator = name.split("#")[0].split("/")
    return unquote_name(track), unquote_name(kind), unquote_name(annotator)


def stream_mime(stream: Mapping[str, Any]) -> str:
    """A stream's MIME type: its probed container first (see the module docstring)."""
    container = str(stream.get("container") or "").lower()
    if container in MIME_BY_CONTAINER:
        return media_mime("", str(stream["kind"]), container)
    return media_mime(str(stream["uri"]), str(stream["kind"]))


def _value(region: Mapping[str, Any], kind: str) -> str:
    return str(region.get("text", "")) if kind == "transcript" else str(region.get("label", ""))


def render_eaf(schema: Mapping[str, Any], record: Mapping[str, Any]) -> bytes:
    """One item as an EAF document."""
    tracks = tracks_of_kind(schema, TIER_KINDS)
    tiers: list[tuple[str, str, str, list[tuple[int, int, str]]]] = []
    slots: list[int] = []
    for ann in record.get("annotations", []):
        for track in tracks:
            entries = []
            for r in time_sorted(x for x in ann.get("regions", []) if x.get("track") == track["name"]):
                start = int(r["time_ms"] if track["kind"] == "point" else r["start_ms"])
                end = start if track["kind"] == "point" else int(r["end_ms"])
                entries.append((start, end, _value(r, track["kind"])))
            base = tier_name(track["name"], ann.get("kind") or "human", ann.get("annotator") or "")
            for n, lane in enumerate(assign_lanes(entries, track["kind"] == "point"), start=1):
                rows = []
                for start, end, value in lane:
                    slots += [start, end]
                    rows.append((len(slots) - 2, len(slots) - 1, value))
                tiers.append((base if n == 1 else f"{base}#{n}", ann.get("annotator") or "", track["name"], rows))
    # number time slots in time order (ELAN expects TIME_ORDER ascending); ties by creation
    order = sorted(range(len(slots)), key=lambda i: (slots[i], i))
    slot_id = {i: f"ts{n}" for n, i in enumerate(order, start=1)}

    out = [_HEAD, '    <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">\n']
    for s in record.get("streams", []):
        if s.get("kind") not in ("audio", "video") or not s.get("uri"):
            continue
        path = "media/" + quote(str(s["uri"]))
        mime = stream_mime(s)
        attrs = (f'MEDIA_URL={quoteattr("file:///" + path)} MIME_TYPE={quoteattr(mime)} '
                 f'RELATIVE_MEDIA_URL={quoteattr("./" + path)}')
        if s.get("offset_ms"):
            attrs += f' TIME_ORIGIN="{-int(s["offset_ms"])}"'
        out.append(f"        <MEDIA_DESCRIPTOR {attrs}/>\n")
    props = {"tandem:item_id": record.get("item_id"), "tandem:external_id": record.get("external_id"),
             "tandem:duration_ms": record.get("duration_ms")}
    for prop, known in props.items():
        if known is not None:
            out.append(f'        <PROPERTY NAME="{prop}">{escape(str(known))}</PROPERTY>\n')
    n_annotations = sum(len(t[3]) for t in tiers)
    out.append(f'        <PROPERTY NAME="lastUsedAnnotationId">{n_annotations}</PROPERTY>\n    </HEADER>\n')
    out.append("    <TIME_ORDER>\n")
    for i in order:
        out.append(f'        <TIME_SLOT TIME_SLOT_ID="{slot_id[i]}" TIME_VALUE="{slots[i]}"/>\n')
    out.append("    </TIME_ORDER>\n")
    aid = 0
    for tid, annotator, track_name, rows in tiers:
        out.append(f'    <TIER ANNOTATOR={quoteattr(annotator)} LINGUISTIC_TYPE_REF={quoteattr(safe_name(track_name))} '
                   f'TIER_ID={quoteattr(tid)}>\n')
        for a, b, value in rows:
            aid += 1
            out.append(f'        <ANNOTATION>\n            <ALIGNABLE_ANNOTATION ANNOTATION_ID="a{aid}" '
                       f'TIME_SLOT_REF1="{slot_id[a]}" TIME_SLOT_REF2="{slot_id[b]}">\n'
                       f"                <ANNOTATION_VALUE>{escape(value)}</ANNOTATION_VALUE>\n"
                       "            </ALIGNABLE_ANNOTATION>\n        </ANNOTATION>\n")
        out.append("    </TIER>\n")
    for track in tracks:
        cv = f' CONTROLLED_VOCABULARY_REF={quoteattr(safe_name(track["name"]))}' if track.get("labels") else ""
        out.append(f'    <LINGUISTIC_TYPE{cv} GRAPHIC_REFERENCES="false" '
                   f'LINGUISTIC_TYPE_ID={quoteattr(safe_name(track["name"]))} TIME_ALIGNABLE="true"/>\n')
    out.append(_LANG)
    cve = 0
    for track in tracks:
        if not track.get("labels"):
            continue
        out.append(f'    <CONTROLLED_VOCABULARY CV_ID={quoteattr(safe_name(track["name"]))}>\n'
                   '        <DESCRIPTION LANG_REF="und"/>\n')
        for label in track["labels"]:
            cve += 1
            out.append(f'        <CV_ENTRY_ML CVE_ID="cve{cve}">\n'
                       f'            <CVE_VALUE DESCRIPTION="" LANG_REF="und">{escape(str(label["value"]))}</CVE_VALUE>\n'
                       "        </CV_ENTRY_ML>\n")
        out.append("    </CONTROLLED_VOCABULARY>\n")
    out.append("</ANNOTATION_DOCUMENT>\n")
    return "".join(out).encode("utf-8")


def write_eaf(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], out: BinaryIO,
              *, compression: str = "deflated", **options: Any) -> int:
    """Zip of one EAF document per item; returns the number of documents."""
    return write_document_per_item(records, out, "eaf", lambda record: render_eaf(schema, record), compression)


def parse_eaf(data: bytes, schema: Mapping[str, Any]) -> JSONDict:
    """One EAF document (as written by `render_eaf`) back to a record."""
    kinds = track_kinds(schema)
    root = ElementTree.fromstring(data)
    header = root.find("HEADER")
    props = {p.get("NAME"): p.text or "" for p in (header.findall("PROPERTY") if header is not None else [])}
    record: JSONDict = {
        "item_id": int(props["tandem:item_id"]) if "tandem:item_id" in props else None,
        "external_id": props.get("tandem:external_id"),
        "duration_ms": int(props["tandem:duration_ms"]) if "tandem:duration_ms" in props else None,
        "streams": [], "annotations": []}
    for md in header.findall("MEDIA_DESCRIPTOR") if header is not None else []:
        kind = (md.get("MIME_TYPE") or "").split("/")[0]
        relative = md.get("RELATIVE_MEDIA_URL") or ""
        uri = unquote(relative[len("./media/"):]) if relative.startswith("./media/") else md.get("MEDIA_URL")
        record["streams"].append({"role": kind, "kind": kind, "uri": uri,
                                  "offset_ms": -int(md.get("TIME_ORIGIN") or 0)})
    times = {ts.get("TIME_SLOT_ID"): int(ts.get("TIME_VALUE") or 0) for ts in root.iter("TIME_SLOT")}
    anns: dict[tuple[str, str], JSONDict] = {}
    for tier in root.findall("TIER"):
        track, kind, annotator = parse_tier_name(tier.get("TIER_ID") or "")
        ann = anns.get((kind, annotator))
        if ann is None:
            ann = {"annotator": annotator, "kind": kind, "regions": []}
            anns[(kind, annotator)] = ann
            record["annotations"].append(ann)
        track_kind = kinds.get(track, "segment")
        for al in tier.iter("ALIGNABLE_ANNOTATION"):
            start, end = times[al.get("TIME_SLOT_REF1")], times[al.get("TIME_SLOT_REF2")]
            value = al.findtext("ANNOTATION_VALUE") or ""
            region: JSONDict = {"id": f"e{len(ann['regions']) + 1}", "track": track}
            if track_kind == "point":
                region.update(label=value, time_ms=start)
            elif track_kind == "transcript":
                region.update(start_ms=start, end_ms=end, text=value)
            else:
                region.update(label=value, start_ms=start, end_ms=end)
            ann["regions"].append(region)
    return record


def read_eaf(inp: BinaryIO, schema: Mapping[str, Any]) -> Iterator[JSONDict]:
    """Records from a zip written by `write_eaf`, one per document, in zip order."""
    with zipfile.ZipFile(inp) as zf:
        for name in zf.namelist():
            if name.endswith(".eaf"):
                yield parse_eaf(zf.read(name), schema)
