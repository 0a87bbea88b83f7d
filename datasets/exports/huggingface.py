"""A Hugging Face `datasets`-loadable layout: zip of ``data/train-00000-of-00001.parquet`` + ``README.md``.

One Parquet row per item, written row group by row group (`row_group_size` items each) so the
writer holds one group at a time. Columns: item_id, external_id, duration_ms, provenance and
metadata (JSON text), one media path column per stream role that the schema's tracks draw on
(the uri of that stream, null when the item lacks it), ``streams`` (list of structs with role,
kind, uri, container, offset, duration, sha256, fps, width, height), ``texts`` (list of {role, text}),
``annotations`` (list of {annotator, kind, status, model, model_version, updated_at}) and
``regions`` (list of structs: the annotation's annotator and kind, the region's id, track, kind,
label, times, characters, text, keyframes, from/to ids, score, a transcript's words, and attributes
and source as JSON text). The label schema is stored as JSON in the file's key-value metadata and the README's
dataset card names the data file, so ``load_dataset("parquet", data_files=…)`` or
``load_dataset(<folder>)`` both work. Media bytes are not included: paths point at the release's
media files.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from datasets.exports.base import DeterministicZip, JSONDict, dumps, loads, track_kinds

DATA_FILE = "data/train-00000-of-00001.parquet"

_KEYFRAME = pa.struct([("time_ms", pa.int64()), ("x", pa.float64()), ("y", pa.float64()),
                       ("w", pa.float64()), ("h", pa.float64())])
_WORD = pa.struct([("text", pa.string()), ("start_ms", pa.int64()), ("end_ms", pa.int64())])
_REGION = pa.struct([
    ("annotator", pa.string()), ("annotation_kind", pa.string()), ("id", pa.string()),
    ("track", pa.string()), ("kind", pa.string()), ("label", pa.string()),
    ("start_ms", pa.int64()), ("end_ms", pa.int64()), ("time_ms", pa.int64()),
    ("start_char", pa.int64()), ("end_char", pa.int64()), ("text", pa.string()),
    ("keyframes", pa.list_(_KEYFRAME)), ("from_id", pa.string()), ("to_id", pa.string()),
    ("score", pa.float64()), ("attributes", pa.string()), ("source", pa.string()),
    ("words", pa.list_(_WORD))])
_STREAM = pa.struct([("role", pa.string()), ("kind", pa.string()), ("uri", pa.string()),
                     ("container", pa.string()), ("offset_ms", pa.int64()), ("duration_ms", pa.int64()), ("sha256", pa.string()),
                     ("fps", pa.float64()), ("width", pa.int64()), ("height", pa.int64())])
_ANNOTATION = pa.struct([("annotator", pa.string()), ("kind", pa.string()), ("status", pa.string()),
                         ("model", pa.string()), ("model_version", pa.string()), ("updated_at", pa.string())])
_REGION_FIELDS = [f.name for f in _REGION]
_JSON_REGION_FIELDS = ("attributes", "source")


def media_roles(schema: Mapping[str, Any]) -> list[str]:
    """Stream roles named by the schema's tracks, sorted: one media path column each."""
    return sorted({t["stream"] for t in schema.get("tracks", []) if t.get("stream")})


def arrow_schema(schema: Mapping[str, Any]) -> pa.Schema:
    """The Parquet schema for a label schema (fixed up front, so every row group matches)."""
    fields = [("item_id", pa.int64()), ("external_id", pa.string()), ("duration_ms", pa.int64()),
              ("provenance", pa.string()), ("metadata", pa.string())]
    fields += [(role, pa.string()) for role in media_roles(schema)]
    fields += [("streams", pa.list_(_STREAM)),
               ("texts", pa.list_(pa.struct([("role", pa.string()), ("text", pa.string())]))),
               ("annotations", pa.list_(_ANNOTATION)), ("regions", pa.list_(_REGION))]
    return pa.schema(fields, metadata={b"tandem.schema": dumps(schema)})


def row_of(record: Mapping[str, Any], kinds: Mapping[str, str], roles: list[str]) -> JSONDict:
    """One record as one Parquet row (a dict of column values)."""
    streams = record.get("streams", [])
    row: JSONDict = {
        "item_id": record.get("item_id"), "external_id": record.get("external_id"),
        "duration_ms": record.get("duration_ms"),
        "provenance": dumps(record["provenance"]).decode() if "provenance" in record else None,
        "metadata": dumps(record["metadata"]).decode() if "metadata" in record else None,
        "streams": [{f.name: s.get(f.name) for f in _STREAM} for s in streams],
        "texts": [{"role": k, "text": v} for k, v in (record.get("texts") or {}).items()],
        "annotations": [], "regions": []}
    by_role = {s.get("role"): s.get("uri") for s in streams}
    for role in roles:
        row[role] = by_role.get(role)
    for ann in record.get("annotations", []):
        row["annotations"].append({f.name: ann.get(f.name) for f in _ANNOTATION})
        for r in ann.get("regions", []):
            reg = {f: r.get(f) for f in _REGION_FIELDS}
            reg.update(annotator=ann.get("annotator"), annotation_kind=ann.get("kind"),
                       kind=kinds.get(r.get("track", "")))
            for f in _JSON_REGION_FIELDS:
                reg[f] = dumps(r[f]).decode() if f in r else None
            row["regions"].append(reg)
    return row


def dataset_card(schema: Mapping[str, Any]) -> bytes:
    """README.md with the YAML header `datasets` reads to find the data files."""
    tracks = "\n".join(f"- `{t['name']}` ({t['kind']}): " + ", ".join(f"`{lab['value']}`" for lab in t.get("labels", []))
                       for t in schema.get("tracks", []))
    return ("---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n"
            f"    path: {DATA_FILE}\n---\n\n# Tandem export\n\nOne row per item; `regions` holds every "
            "annotator's regions (times in integer milliseconds on the item timeline, boxes as "
            "fractions of the frame). Media path columns point at the release's media files.\n\n"
            f"## Tracks\n\n{tracks}\n").encode()


def write_parquet(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], out: BinaryIO,
                  *, row_group_size: int = 1000, **options: Any) -> int:
    """Write bare Parquet to `out`, one row group per `row_group_size` items; returns item count."""
    kinds = track_kinds(schema)
    roles = media_roles(schema)
    pa_schema = arrow_schema(schema)
    count = 0
    sink = pa.PythonFile(out, mode="w")
    with pq.ParquetWriter(sink, pa_schema, compression="zstd", write_statistics=True) as writer:
        batch: list[JSONDict] = []
        for record in records:
            batch.append(row_of(record, kinds, roles))
            count += 1
            if len(batch) >= row_group_size:
                writer.write_table(pa.Table.from_pylist(batch, schema=pa_schema), row_group_size=row_group_size)
                batch = []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=pa_schema), row_group_size=max(row_group_size, 1))
    return count


def write_hf(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]], out: BinaryIO,
             *, row_group_size: int = 1000, compression: str = "deflated", **options: Any) -> int:
    """Zip holding README.md and the Parquet data file; returns the number of items.

    The Parquet file is already compressed (zstd), so its zip member is stored, not deflated.
    """
    with DeterministicZip(out, compression=compression) as zf:
        zf.writestr("README.md", dataset_card(schema))
        with zf.open(DATA_FILE, stored=True) as member:
            return write_parquet(schema, records, member, row_group_size=row_group_size)  # type: ignore[arg-type]


def record_of_row(row: Mapping[str, Any]) -> JSONDict:
    """One Parquet row back to an export record (null struct fields are left out)."""
    record: JSONDict = {"item_id": row["item_id"], "external_id": row["external_id"],
                        "duration_ms": row["duration_ms"]}
    for key in ("provenance", "metadata"):
        if row[key] is not None:
            record[key] = loads(row[key])
    record["streams"] = [{k: v for k, v in s.items() if v is not None} for s in row["streams"]]
    record["texts"] = {t["role"]: t["text"] for t in row["texts"]}
    anns: dict[tuple[Any, Any], JSONDict] = {}
    record["annotations"] = []
    for a in row["annotations"]:
        ann = {**a, "regions": []}
        anns[(a["annotator"], a["kind"])] = ann
        record["annotations"].append(ann)
    for r in row["regions"]:
        region = {k: v for k, v in r.items() if v is not None and k not in ("annotator", "annotation_kind", "kind")}
        for f in _JSON_REGION_FIELDS:
            if f in region:
                region[f] = loads(region[f])
        anns[(r["annotator"], r["annotation_kind"])]["regions"].append(region)
    return record


def read_parquet(inp: BinaryIO, schema: Mapping[str, Any] | None = None) -> Iterator[JSONDict]:
    """Records from a Parquet file written by `write_parquet`, row group by row group."""
    pf = pq.ParquetFile(inp)
    for group in range(pf.num_row_groups):
        for row in pf.read_row_group(group).to_pylist():
            yield record_of_row(row)


def read_hf(inp: BinaryIO, schema: Mapping[str, Any] | None = None) -> Iterator[JSONDict]:
    """Records from a zip written by `write_hf`."""
    with zipfile.ZipFile(inp) as zf, zf.open(DATA_FILE) as member:
        yield from read_parquet(member)  # type: ignore[arg-type]
