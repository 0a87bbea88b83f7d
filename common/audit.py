from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User

from common.models import AuditEvent


def audit(
    actor: User | AnonymousUser | None,
    action: str,
    target: Any,
    *,
    project_id: int | None = None,
    **data: Any,
) -> None:
    """Record one audit event; callers pass the row they acted on."""
    AuditEvent.objects.create(
        actor=actor if isinstance(actor, User) else None,
        action=action,
        target_type=type(target).__name__.lower(),
        target_id=str(getattr(target, "pk", target)),
        project_id=project_id,
        data=data,
    )
