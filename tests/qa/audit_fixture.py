"""A project whose audit is known in advance: four items, gold and submitted work, facets, consent.

Items (60 s of media in all):
- ``i0``: alice, en, 10 s, captured, consent 'research', CC-BY-4.0. Gold: speech 0-4000 and
  3000-7000 (overlapping), music 7000-8000; redaction 'voice' 1000-2000. Also submitted work by
  annotator_a (speech 0-5000) and annotator_b (music 0-1000), which the gold supersedes.
- ``i1``: alice, en, 10 s, captured, consent 'research', CC-BY-4.0. No gold; submitted by
  annotator_a (speech 0-2000) and annotator_b (speech 1000-3000).
- ``i2``: bob, fr, 30 s, synthetic, no consent, no licence; a draft only (never counted).
- ``i3``: no speaker, en, 10 s, captured, consent 'commercial', CC0-1.0. Gold: noise 0-500.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from annotation.models import Annotation, Project, Task
from annotation.services.imports import project_import
from annotation.services.projects import member_set, project_create

SCHEMA: dict[str, Any] = {"tracks": [
    {"name": "speech", "kind": "segment", "labels": [{"value": "speech"}, {"value": "music"}, {"value": "noise"}]},
    {"name": "redactions", "kind": "redact", "labels": [{"value": "face"}, {"value": "voice"}]},
]}
FACETS = ["speaker", "language"]
THRESHOLDS = {"min_label_share": 0.2, "max_facet_share": {"speaker": 0.45}}


def _seg(rid: str, label: str, start: int, end: int, track: str = "speech") -> dict[str, Any]:
    return {"id": rid, "track": track, "label": label, "start_ms": start, "end_ms": end}


def audited_project(manager: User, annotator_a: User, annotator_b: User, *, require_consent: str | None = None) -> Project:
    project = project_create(user=manager, name="Audited", schema=SCHEMA, overlap=2, audit_facets=FACETS,
                             audit_thresholds=THRESHOLDS, require_consent=require_consent)
    for user in (annotator_a, annotator_b):
        member_set(project=project, user=manager, member=user, role="annotator")
    research = [{"subject": "alice", "scope": "research", "given_at": "2026-01-05"}]
    records = [
        {"external_id": "i0", "duration_ms": 10_000, "metadata": {"speaker": "alice", "language": "en"},
         "consent": research, "licence": "CC-BY-4.0", "streams": [{"role": "transcript", "text": "zero"}]},
        {"external_id": "i1", "duration_ms": 10_000, "metadata": {"speaker": "alice", "language": "en"},
         "consent": research, "licence": "CC-BY-4.0", "streams": [{"role": "transcript", "text": "one"}]},
        {"external_id": "i2", "duration_ms": 30_000, "metadata": {"speaker": "bob", "language": "fr"},
         "provenance": {"kind": "synthetic", "generator": "tts", "version": "1"},
         "streams": [{"role": "transcript", "text": "two"}]},
        {"external_id": "i3", "duration_ms": 10_000, "metadata": {"language": "en"},
         "consent": [{"subject": "carol", "scope": "commercial", "given_at": "2026-02-01"}], "licence": "CC0-1.0",
         "streams": [{"role": "transcript", "text": "three"}]},
    ]
    result = project_import(project=project, user=manager, records=records, uploads={})
    t0, t1, t2, t3 = Task.objects.filter(pk__in=result["task_ids"]).order_by("item_id")
    Annotation.objects.create(task=t0, kind="gold", status="submitted", result={"regions": [
        _seg("g1", "speech", 0, 4000), _seg("g2", "speech", 3000, 7000), _seg("g3", "music", 7000, 8000),
        _seg("g4", "voice", 1000, 2000, track="redactions")]})
    Annotation.objects.create(task=t0, annotator=annotator_a, kind="human", status="submitted",
                              result={"regions": [_seg("a1", "speech", 0, 5000)]})
    Annotation.objects.create(task=t0, annotator=annotator_b, kind="human", status="submitted",
                              result={"regions": [_seg("b1", "music", 0, 1000)]})
    Annotation.objects.create(task=t1, annotator=annotator_a, kind="human", status="submitted",
                              result={"regions": [_seg("a1", "speech", 0, 2000)]})
    Annotation.objects.create(task=t1, annotator=annotator_b, kind="human", status="submitted",
                              result={"regions": [_seg("b1", "speech", 1000, 3000)]})
    Annotation.objects.create(task=t2, annotator=annotator_a, kind="human", status="draft",
                              result={"regions": [_seg("d1", "music", 0, 9000)]})
    Annotation.objects.create(task=t3, kind="gold", status="submitted", result={"regions": [_seg("g1", "noise", 0, 500)]})
    Task.objects.filter(pk=t0.pk).update(status="gold", agreement=0.8)
    Task.objects.filter(pk=t1.pk).update(status="complete", agreement=0.5)
    Task.objects.filter(pk=t3.pk).update(status="gold")
    return project
