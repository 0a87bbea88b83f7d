"""Projects, schemas and memberships: the one way they change."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from annotation.models import Membership, Project, Role
from annotation.schema import SchemaError, validate_schema
from common.audit import audit
from common.errors import Conflict, InvalidInput
from datasets.models import Dataset

PROJECT_FIELDS = (
    "name",
    "instructions",
    "overlap",
    "agreement_threshold",
    "agreement_measure",
    "merge_rule",
    "everyone_share",
    "honeypot_rate",
    "audit_rate",
    "prelabelers",
)


def _checked_schema(schema: Any) -> dict[str, Any]:
    try:
        return validate_schema(schema)
    except SchemaError as exc:
        raise InvalidInput(f"Invalid schema: {exc}", field=f"schema.{exc.field}") from exc


@transaction.atomic
def project_create(*, user: User, name: str, schema: Any, **fields: Any) -> Project:
    dataset = Dataset.objects.create(name=name)
    project = Project.objects.create(
        name=name, dataset=dataset, schema=_checked_schema(schema), created_by=user, **fields
    )
    Membership.objects.create(project=project, user=user, role=Role.MANAGER)
    audit(user, "project.create", project, project_id=project.pk)
    return project


@transaction.atomic
def project_update(*, project: Project, user: User, data: dict[str, Any]) -> Project:
    changed = []
    if "schema" in data:
        schema = _checked_schema(data["schema"])
        if schema != project.schema:
            project.schema = schema
            project.schema_version += 1
            changed += ["schema", "schema_version"]
    if "prelabelers" in data:
        from annotation.services.prelabel import prelabel_mapping_check

        data = {**data, "prelabelers": prelabel_mapping_check(project, data["prelabelers"])}
    for key in PROJECT_FIELDS:
        if key in data:
            setattr(project, key, data[key])
            changed.append(key)
    if changed:
        project.save(update_fields=[*changed, "updated_at"])
        audit(user, "project.update", project, project_id=project.pk, fields=changed)
    return project


@transaction.atomic
def member_set(*, project: Project, user: User, member: User, role: str) -> Membership:
    if role not in Role.values:
        raise InvalidInput(f"Unknown role '{role}'; use one of {', '.join(Role.values)}.", field="role")
    membership, _ = Membership.objects.update_or_create(project=project, user=member, defaults={"role": role})
    audit(user, "member.set", project, project_id=project.pk, member=member.get_username(), role=role)
    return membership


@transaction.atomic
def member_remove(*, project: Project, user: User, member: User) -> None:
    managers = Membership.objects.filter(project=project, role=Role.MANAGER)
    if managers.count() == 1 and managers.filter(user=member).exists():
        raise Conflict("A project keeps at least one manager.")
    Membership.objects.filter(project=project, user=member).delete()
    audit(user, "member.remove", project, project_id=project.pk, member=member.get_username())
