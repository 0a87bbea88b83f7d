"""Consent, licence and retention of an item: checked the same way from a manifest line and the item API.

``consent`` is a list of ``{"subject": str, "scope": str, "given_at": ISO date}``: who agreed to
what, and when. ``licence`` is free text (an SPDX id such as ``CC-BY-4.0`` where there is one).
``retention_until`` is the last day the media may be kept; the retention job deletes it after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from common.errors import InvalidInput
from datasets.models import Item

CONSENT_KEYS = ("consent", "licence", "retention_until")
ENTRY_KEYS = ("subject", "scope", "given_at")
MAX_ENTRIES = 100
MAX_TEXT = 200


def _text(value: Any, field: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not value and not allow_empty) or len(value) > MAX_TEXT:
        raise InvalidInput(f"{field}: must be a{'' if allow_empty else ' non-empty'} string of at most "
                           f"{MAX_TEXT} characters.", field=field)
    return value


def _date(value: Any, field: str) -> dt.date:
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value).date()
        except ValueError:
            pass
    raise InvalidInput(f"{field}: must be an ISO 8601 date such as 2027-01-31.", field=field)


def consent_checked(value: Any, field: str) -> list[dict[str, str]]:
    if not isinstance(value, list) or len(value) > MAX_ENTRIES:
        raise InvalidInput(f"{field}: must be a list of at most {MAX_ENTRIES} "
                           "{subject, scope, given_at} objects.", field=field)
    out = []
    for i, entry in enumerate(value):
        where = f"{field}[{i}]"
        if not isinstance(entry, Mapping):
            raise InvalidInput(f"{where}: must be an object with subject, scope and given_at.", field=where)
        unknown = sorted(set(entry) - set(ENTRY_KEYS))
        if unknown:
            raise InvalidInput(f"{where}.{unknown[0]}: unknown key; use {', '.join(ENTRY_KEYS)}.",
                               field=f"{where}.{unknown[0]}")
        out.append({"subject": _text(entry.get("subject"), f"{where}.subject"),
                    "scope": _text(entry.get("scope"), f"{where}.scope"),
                    "given_at": _date(entry.get("given_at"), f"{where}.given_at").isoformat()})
    return out


def consent_fields(record: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The consent fields a manifest line or API body gives, checked; keys it leaves out are left out."""
    out: dict[str, Any] = {}
    prefix = f"{where}." if where else ""
    if "consent" in record:
        out["consent"] = consent_checked(record["consent"], f"{prefix}consent")
    if "licence" in record:
        out["licence"] = _text(record["licence"], f"{prefix}licence", allow_empty=True)
    if "retention_until" in record:
        value = record["retention_until"]
        out["retention_until"] = None if value is None else _date(value, f"{prefix}retention_until")
    return out


def has_consent(scope: str, prefix: str = "") -> Q:
    """Items with a consent entry of ``scope`` (``prefix``: the path to the item, e.g. ``item__``)."""
    if connection.vendor == "postgresql":
        return Q(**{f"{prefix}consent__contains": [{"scope": scope}]})
    # SQLite's JSON1 has no containment test (Django's ``contains`` is refused there): look through
    # the entries instead. CASE keeps json_extract away from an entry that is not an object.
    return Q(**{f"{prefix}id__in": RawSQL(
        f"SELECT i.id FROM {Item._meta.db_table} i WHERE EXISTS (SELECT 1 FROM json_each(i.consent) e "
        "WHERE CASE WHEN e.type = 'object' THEN json_extract(e.value, '$.scope') END = %s)", [scope])})
