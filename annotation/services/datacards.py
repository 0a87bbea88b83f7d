"""What an export says about consent, and the audit and data card every release carries.

A release's audit is computed from the snapshot it was written from, so it describes exactly the
items in the release; its data card (``README.md`` beside the export file) is rendered from that
audit and saved with the release.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from annotation.models import Job, Project
from annotation.selectors_audit import audit_of_records
from annotation.selectors_exports import export_tasks
from datasets.exports.datacard import datacard_markdown
from datasets.services.consent import has_consent

DATACARD_NAME = "README.md"


def consent_excluded(project: Project, filters: Mapping[str, Any]) -> int:
    """How many of the tasks an export's filters select are left out for lacking the required consent."""
    if not project.require_consent:
        return 0
    return export_tasks(project, filters, consent=False).exclude(has_consent(project.require_consent, "item__")).count()


def release_datacard(job: Job, project: Project, records: Iterable[Mapping[str, Any]], facts: Mapping[str, Any],
                     key: str) -> dict[str, Any]:
    """Audit the release's records, save its data card under ``key``; returns the facts to add to the job."""
    excluded = int(facts.get("consent_excluded", 0))
    audit = audit_of_records(project, records, excluded=excluded)
    manifest = facts.get("manifest") or {}
    card = datacard_markdown(audit, {
        "project_name": project.name, "name": job.release_name, "release_hash": facts.get("release_hash"),
        "format": job.params.get("format"), "schema_version": project.schema_version,
        "agreement": manifest.get("agreement") or {}})
    if default_storage.exists(key):
        default_storage.delete(key)
    default_storage.save(key, ContentFile(card.encode("utf-8")))
    return {"audit": audit, "datacard_key": key}


def datacard_text(job: Job) -> str | None:
    """The stored data card of a release, or None for an export without one."""
    key = (job.result or {}).get("datacard_key")
    if not key or not default_storage.exists(key):
        return None
    with default_storage.open(key, "rb") as fh:
        data: bytes = fh.read()
    return data.decode("utf-8")
