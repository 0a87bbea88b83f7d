from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from common.models import AuditEvent


def audit(
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    target: Any,
    *,
    project_id: int | None = None,
    **data: Any,
) -> None:
    """Record one audit event; callers pass the row they acted on."""
    AuditEvent.objects.create(
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=type(target).__name__.lower(),
        target_id=str(getattr(target, "pk", target)),
        project_id=project_id,
        data=data,
    )
