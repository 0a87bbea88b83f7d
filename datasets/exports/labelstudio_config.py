"""Label Studio labeling configs: the objects of an item and one control per track drawn on them.

Which object a track is drawn on is decided here for both the config and the tasks, so the
``to_name`` of every result is an object of the config its task list is imported with. See
`datasets.exports.labelstudio` for the layout of the export.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from xml.sax.saxutils import quoteattr

_TIME_KINDS = ("segment", "point", "transcript")


def objects_of(record: Mapping[str, Any]) -> dict[str, str]:
    """The item's Label Studio objects: role → object kind (audio, video, image or text)."""
    out = {str(s["role"]): str(s.get("kind")) for s in record.get("streams", [])
           if s.get("uri") and s.get("kind") in ("audio", "video", "image")}
    out.update({str(role): "text" for role in (record.get("texts") or {})})
    return dict(sorted(out.items()))


def stream_roles(schema: Mapping[str, Any], objects: Mapping[str, str]) -> dict[str, str]:
    """Track name → the object it is drawn on in this item; tracks with none are left out.

    The schema's `stream` when the item has it; else, for time tracks, the audio (else the
    video), for spans the first text, for boxes the first video or image.
    """
    def first(*kinds: str) -> str | None:
        return next((role for kind in kinds for role, k in objects.items() if k == kind), None)

    out = {}
    for t in schema.get("tracks", []):
        kind = t["kind"]
        role = t.get("stream") if t.get("stream") in objects else None
        if role is None and kind in _TIME_KINDS:
            role = first("audio", "video")
        elif role is None and kind == "span":
            role = first("text")
        elif role is None and kind == "box":
            role = first("video", "image")
        if kind == "relation":
            role = ""
        if role is not None:
            out[t["name"]] = role
    return out


def _labels_xml(tag: str, name: str, to_name: str, labels: Iterable[Mapping[str, Any]]) -> str:
    inner = "".join(f"    <Label value={quoteattr(str(lab['value']))}"
                    + (f" background={quoteattr(str(lab['color']))}" if lab.get("color") else "") + "/>\n"
                    for lab in labels)
    return f"  <{tag} name={quoteattr(name)} toName={quoteattr(to_name)}>\n{inner}  </{tag}>\n"


def label_config(schema: Mapping[str, Any], objects: Mapping[str, str]) -> str:
    """The labeling config (XML) for items with these objects: one control per track drawn on them."""
    out = ["<View>\n"]
    for role, kind in objects.items():
        if kind == "video":
            out.append(f'  <Video name={quoteattr(role)} value={quoteattr("$" + role)} frameRate="$fps"/>\n')
        else:
            tag = {"audio": "Audio", "image": "Image"}.get(kind, "Text")
            out.append(f"  <{tag} name={quoteattr(role)} value={quoteattr('$' + role)}/>\n")
    relations: list[Mapping[str, Any]] = []
    roles = stream_roles(schema, objects)
    for t in schema.get("tracks", []):
        name, tkind, target = t["name"], t["kind"], roles.get(t["name"])
        if tkind == "relation":
            relations += t.get("labels", [])
            continue
        if target is None:
            continue
        if tkind == "transcript":
            out.append(f'  <TextArea name={quoteattr(name)} toName={quoteattr(target)} perRegion="true" editable="true"/>\n')
        elif tkind == "box" and objects[target] == "video":
            out.append(_labels_xml("Labels", f"{name}_labels", target, t.get("labels", [])))
            out.append(f"  <VideoRectangle name={quoteattr(name)} toName={quoteattr(target)}/>\n")
        elif tkind == "box":
            out.append(_labels_xml("RectangleLabels", name, target, t.get("labels", [])))
        else:
            out.append(_labels_xml("Labels", name, target, t.get("labels", [])))
        for a in t.get("attributes", []):
            attr = quoteattr(f"{name}:{a['name']}")
            atype = a.get("type", "text")
            if atype in ("choice", "bool"):
                values = ["true", "false"] if atype == "bool" else [str(c) for c in a.get("choices", [])]
                choices = "".join(f"    <Choice value={quoteattr(v)}/>\n" for v in values)
                out.append(f'  <Choices name={attr} toName={quoteattr(target)} perRegion="true">\n{choices}  </Choices>\n')
            elif atype == "number":
                out.append(f'  <Number name={attr} toName={quoteattr(target)} perRegion="true"/>\n')
            else:
                out.append(f'  <TextArea name={attr} toName={quoteattr(target)} perRegion="true"/>\n')
    if relations:
        out.append("  <Relations>\n" + "".join(f"    <Relation value={quoteattr(str(r['value']))}/>\n"
                                               for r in relations) + "  </Relations>\n")
    out.append("</View>\n")
    return "".join(out)
