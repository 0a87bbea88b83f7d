"""Derived media rows: the newest artifact of a kind for the current code version."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from datasets.models import Asset, DerivedMedia


def derived_latest(asset: Asset, kind: str) -> DerivedMedia | None:
    """The artifact made by the current code version, if any (an old version is not served)."""
    version = current_version(kind)
    qs = DerivedMedia.objects.filter(asset=asset, kind=kind)
    if version is not None:
        qs = qs.filter(code_version=version)
    return qs.order_by("-id").first()


#: The constant naming each kind's code version, in ``datasets.media``.
_VERSION_NAMES = {"waveform": "WAVEFORM_VERSION", "video": "VIDEO_ANALYSIS_VERSION", "proxy": "PROXY_VERSION"}


def current_version(kind: str) -> str | None:
    """One kind's version: serving a waveform loads the waveform module only, not PyAV and Pillow."""
    from datasets import media

    name = _VERSION_NAMES.get(kind)
    return str(getattr(media, name)) if name else None


def current_versions() -> dict[str, str]:
    return {kind: str(current_version(kind)) for kind in _VERSION_NAMES}


def derived_record(asset: Asset, kind: str, code_version: str, prefix: str, manifest: dict[str, Any]) -> DerivedMedia:
    """Mark an artifact ready; called after its files are in storage, so a row means complete files."""
    try:
        with transaction.atomic():
            return DerivedMedia.objects.create(
                asset=asset, kind=kind, code_version=code_version, storage_prefix=prefix, manifest=manifest
            )
    except IntegrityError:
        return DerivedMedia.objects.get(asset=asset, kind=kind, code_version=code_version)
