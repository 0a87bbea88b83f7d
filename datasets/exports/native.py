"""Native Tandem exports: JSON Lines (one item per line) and one JSON document.

Both carry the export record as it is (streams with offsets, texts, provenance, metadata, every
annotation with its annotator, kind and status, every region with all its fields) plus, on each
region, `kind`: the kind of its track, so a consumer needs no schema to tell a point from a
segment. Readers drop `kind` again and return records equal to the ones written.

JSON layout (keys sorted, one item per line so it streams both ways)::

    {"format":"tandem","items":[
    {…item…},
    {…item…}
    ],"schema":{…},"version":1}
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from datasets.exports.base import JSONDict, dumps, dumps_line, iter_json_array, loads, track_kinds, write_json_array

FORMAT_VERSION = 1
_JSON_PREFIX = b'{"format":"tandem","items":['


def native_record(record: Mapping[str, Any], kinds: Mapping[str, str]) -> JSONDict:
    """The record with each region's track kind added (the record itself is not changed)."""
    # Comprehensions rather than loops: this runs once per item of every native export.
    return {**record, "annotations": [
        {**ann, "regions": [{**region, "kind": kind} if (kind := kinds.get(region.get("track", ""))) is not None
                            else dict(region) for region in ann.get("regions", [])]}
        for ann in record.get("annotations", [])]}


def plain_record(record: JSONDict) -> JSONDict:
    """Inverse of `native_record`: drop the added `kind` from every region."""
    for ann in record.get("annotations", []):
        for region in ann.get("regions", []):
            region.pop("kind", None)
    return record


def write_jsonl(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], out: BinaryIO,
                **options: Any) -> int:
    """Write one item per line. Returns the number of items written."""
    kinds = track_kinds(schema)
    write = out.write
    count = 0
    for record in records:
        write(dumps_line(native_record(record, kinds)))
        count += 1
    return count


def read_jsonl(inp: BinaryIO, schema: Mapping[str, Any] | None = None) -> Iterator[JSONDict]:
    """Read items written by `write_jsonl` (blank lines are skipped)."""
    for line in inp:
        if line.strip():
            yield plain_record(loads(line))


def write_json(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], out: BinaryIO,
               **options: Any) -> int:
    """Write one JSON document {format, items, schema, version}, the items array streamed."""
    kinds = track_kinds(schema)
    suffix = b'],"schema":' + dumps(schema) + b',"version":' + str(FORMAT_VERSION).encode() + b"}\n"
    return write_json_array(out, _JSON_PREFIX, (native_record(r, kinds) for r in records), suffix)


def read_json(inp: BinaryIO, schema: Mapping[str, Any] | None = None) -> Iterator[JSONDict]:
    """Read the items of a document written by `write_json`, one at a time."""
    for item in iter_json_array(inp, _JSON_PREFIX, "items"):
        yield plain_record(item)
