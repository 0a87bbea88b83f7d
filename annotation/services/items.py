"""Changing an item's consent, licence and retention date through the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from annotation.models import Project
from common.audit import audit
from common.errors import InvalidInput
from datasets.models import Item
from datasets.services.consent import CONSENT_KEYS, consent_fields


def item_payload(item: Item) -> dict[str, Any]:
    return {"id": item.pk, "external_id": item.external_id, "consent": item.consent, "licence": item.licence,
            "retention_until": item.retention_until.isoformat() if item.retention_until else None,
            "media_deleted_at": item.media_deleted_at.isoformat() if item.media_deleted_at else None}


@transaction.atomic
def item_set_consent(*, item: Item, project: Project, user: User, data: Any) -> Item:
    """Set the consent fields a request gives (all checked first: a bad one changes nothing)."""
    if not isinstance(data, Mapping):
        raise InvalidInput("Send a JSON object.")
    unknown = sorted(set(data) - set(CONSENT_KEYS))
    if unknown:
        raise InvalidInput(f"{unknown[0]}: not a field you can set here; use {', '.join(CONSENT_KEYS)}.",
                           field=unknown[0])
    fields = consent_fields(data, "")
    if fields:
        for name, value in fields.items():
            setattr(item, name, value)
        item.save(update_fields=[*fields, "updated_at"])
        audit(user, "item.consent", item, project_id=project.pk, fields=sorted(fields))
    return item
