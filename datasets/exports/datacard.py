"""The data card of a release: Markdown with YAML front matter, in the style of a Hugging Face dataset card.

The front matter carries the machine-readable figures (``tandem:`` holds the audit's counts), the
body the same figures as tables for people. Everything comes from the audit document and the
release facts passed in, in a fixed order, so the same release always gives the same card.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

JSONDict = dict[str, Any]


def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < limit:
            return name
    return "n>1M"


def _hours(ms: int) -> str:
    """A duration people read at a glance: seconds, minutes or hours."""
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    if ms < 3_600_000:
        return f"{ms / 60_000:.1f} min"
    return f"{ms / 3_600_000:.2f} h"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(head: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def front_matter(audit: Mapping[str, Any], release: Mapping[str, Any]) -> JSONDict:
    """The YAML header: Hugging Face's keys first, then the release's figures under ``tandem``."""
    licences = [row["licence"] for row in audit["licences"] if row["licence"] != "(none)"]
    header: JSONDict = {
        "pretty_name": release.get("project_name", ""),
        "license": licences[0] if len(licences) == 1 else ("other" if licences else "unknown"),
        "size_categories": [_size_category(audit["items"])],
        "tags": ["tandem", "multimodal"],
    }
    language = audit["facets"].get("language")
    if language:
        header["language"] = [r["value"] for r in language["values"] if r["value"] != "(none)"]
    header["tandem"] = {
        "release": release.get("name"),
        "release_hash": release.get("release_hash"),
        "format": release.get("format"),
        "schema_version": release.get("schema_version"),
        "items": audit["items"],
        "media_ms": audit["media_ms"],
        "provenance": {k: v["items"] for k, v in audit["provenance"].items()},
        "consent": audit["consent"],
        "licences": {row["licence"]: row["items"] for row in audit["licences"]},
        "agreement": dict(release.get("agreement") or {}),
        "labels": {track: {row["label"]: {"segments": row["segments"], "duration_ms": row["duration_ms"]}
                           for row in t["labels"]} for track, t in audit["labels"].items()},
        "facets": {key: {row["value"]: {"items": row["items"], "duration_ms": row["duration_ms"]}
                         for row in f["values"]} for key, f in audit["facets"].items()},
        "redaction": {"regions": audit["redaction"]["regions"], "items": audit["redaction"]["items"]},
        "duplicates": {"exact": audit["duplicates"]["exact"], "near": audit["duplicates"]["near"]},
        "warnings": [w["message"] for w in audit["warnings"]],
    }
    return header


def datacard_markdown(audit: Mapping[str, Any], release: Mapping[str, Any]) -> str:
    """The whole card: front matter, then one section per topic."""
    header = yaml.safe_dump(front_matter(audit, release), sort_keys=False, allow_unicode=True, width=1000)
    name = release.get("project_name") or "dataset"
    parts = [f"---\n{header}---\n", f"# {name}: release {release.get('name')}\n",
             f"{audit['items']} items, {_hours(audit['media_ms'])} of media, labelled in Tandem "
             f"(schema version {release.get('schema_version')}, export format {release.get('format')}).\n"]

    parts.append("## Sources\n")
    parts.append(_table(["stream role", "kind", "streams", "duration"],
                        [[m["role"], m["kind"], m["streams"], _hours(m["duration_ms"])] for m in audit["modalities"]])
                 + "\n")
    parts.append("## Provenance\n")
    parts.append(_table(["kind", "items", "share", "duration"],
                        [[k, v["items"], _pct(v["share"]), _hours(v["duration_ms"])]
                         for k, v in audit["provenance"].items()]) + "\n")

    consent = audit["consent"]
    parts.append("## Consent and licences\n")
    parts.append(f"Required consent scope: {consent.get('required') or 'none'}. "
                 f"Items with a consent record: {consent.get('with_consent', 0)}; without: {consent.get('without', 0)}; "
                 f"left out of this release for lacking the required consent: {consent.get('excluded', 0)}.\n")
    parts.append(_table(["licence", "items"], [[r["licence"], r["items"]] for r in audit["licences"]]) + "\n")

    agreement = release.get("agreement") or {}
    parts.append("## Agreement\n")
    mean, low = (("–" if agreement.get(k) is None else f"{agreement[k]:.3f}") for k in ("mean", "min"))
    parts.append(f"Tasks with an agreement value: {agreement.get('count', 0)}; mean {mean}; minimum {low}.\n")

    parts.append("## Labels\n")
    for track, t in audit["labels"].items():
        parts.append(f"### {track} ({t['kind']}): {t['segments']} segments, {_hours(t['duration_ms'])}\n")
        parts.append(_table(["label", "segments", "share", "duration (ms)", "duration share"],
                            [[r["label"], r["segments"], _pct(r["share"]), r["duration_ms"], _pct(r["duration_share"])]
                             for r in t["labels"]]) + "\n")
    parts.append("## Coverage\n")
    parts.append(_table(["track", "labelled (ms)", "coverage"],
                        [[track, c["labeled_ms"], _pct(c["coverage"])]
                         for track, c in audit["coverage"]["tracks"].items()]) + "\n")
    parts.append("## Annotators\n")
    parts.append(_table(["annotator", "annotations", "regions", "duration (ms)"],
                        [[a["annotator"], a["annotations"], a["regions"], a["duration_ms"]]
                         for a in audit["annotators"]]) + "\n")

    parts.append("## Facets\n")
    if not audit["facets"]:
        parts.append("No metadata facets were declared for this project.\n")
    for key, f in audit["facets"].items():
        parts.append(f"### {key}\n")
        parts.append(_table(["value", "items", "share", "duration (ms)", "duration share"],
                            [[r["value"], r["items"], _pct(r["share"]), r["duration_ms"], _pct(r["duration_share"])]
                             for r in f["values"]]) + "\n")

    redaction = audit["redaction"]
    parts.append("## Redaction\n")
    parts.append(f"Redaction regions: {redaction['regions']} on {redaction['items']} item(s)"
                 f"{' (tracks ' + ', '.join(redaction['tracks']) + ')' if redaction['tracks'] else ''}.\n")

    dup = audit["duplicates"]
    parts.append("## Duplicates\n")
    parts.append(f"Exact duplicates: {dup['exact']}; near duplicates: {dup['near']}.\n")
    if dup.get("pairs"):
        parts.append(_table(["item", "duplicate of", "kind", "distance (bits)"],
                            [[p["item"], p["of_item"], p["kind"], p["distance"]] for p in dup["pairs"]]) + "\n")

    parts.append("## Imbalance warnings\n")
    parts.append("\n".join(f"- {w['message']}" for w in audit["warnings"]) + "\n" if audit["warnings"] else "None.\n")
    parts.append("## Known gaps\n")
    parts.append("\n".join(f"- {g}" for g in audit["gaps"]) + "\n" if audit["gaps"] else "None known.\n")
    return "\n".join(parts)
