"""Reads: roles and the projects a user belongs to (the access rules built on them: ``annotation.policy``)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from annotation.models import Membership, Project, Role

AnyUser = User | AnonymousUser

RANK = {Role.ANNOTATOR: 1, Role.REVIEWER: 2, Role.MANAGER: 3}


def role_in(project_id: int, user: AnyUser) -> str | None:
    """The user's role in a project (superusers act as managers), or None."""
    if not user.is_authenticated:
        return None
    if getattr(user, "is_superuser", False):
        return Role.MANAGER
    cache: dict[int, str | None] = user.__dict__.setdefault("_tandem_roles", {})
    if project_id not in cache:
        cache[project_id] = (
            Membership.objects.filter(project_id=project_id, user=user).values_list("role", flat=True).first()
        )
    return cache[project_id]


def role_remember(project_id: int, user: AnyUser, role: str | None) -> None:
    """Keep a role read along with another row (``annotation.policy._with_role_of``) for ``role_in``."""
    if user.is_authenticated and not getattr(user, "is_superuser", False):
        user.__dict__.setdefault("_tandem_roles", {})[project_id] = role


def role_at_least(role: str, minimum: str) -> bool:
    return RANK[Role(role)] >= RANK[Role(minimum)]


def has_role(project_id: int, user: AnyUser, minimum: str) -> bool:
    role = role_in(project_id, user)
    return role is not None and role_at_least(role, minimum)


def projects_for_user(user: AnyUser) -> QuerySet[Project]:
    qs = Project.objects.select_related("dataset").order_by("id")
    if getattr(user, "is_superuser", False):
        return qs
    return qs.filter(memberships__user_id=int(user.pk or 0))
