"""Projects, schemas and memberships: the one way they change."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.dispatch import Signal

from annotation.models import Membership, Project, Role
from annotation.schema import SchemaError, validate_schema
from common.audit import audit
from common.errors import Conflict, Forbidden, InvalidInput
from datasets.models import Dataset
from datasets.services.purge import dataset_delete
from datasets.services.scope import dataset_set_import_source

# Sent (after commit) when a project's agreement measure changed: its stored agreements are in
# the old measure until recomputed; qa listens.
agreement_measure_changed = Signal()

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
    "require_consent",
    "audit_facets",
    "audit_thresholds",
    "allow_reopen",
)


def _checked_schema(schema: Any) -> dict[str, Any]:
    try:
        return validate_schema(schema)
    except SchemaError as exc:
        raise InvalidInput(f"Invalid schema: {exc}", field=f"schema.{exc.field}") from exc


@transaction.atomic
def project_create(*, user: User, name: str, schema: Any, **fields: Any) -> Project:
    import_source = fields.pop("import_source", "")
    dataset = Dataset.objects.create(name=name)
    if import_source:
        dataset_set_import_source(dataset=dataset, value=import_source)
    project = Project.objects.create(
        name=name, dataset=dataset, schema=_checked_schema(schema), created_by=user, **fields
    )
    Membership.objects.create(project=project, user=user, role=Role.MANAGER)
    audit(user, "project.create", project, project_id=project.pk)
    return project


@transaction.atomic
def project_update(*, project: Project, user: User, data: dict[str, Any]) -> Project:
    changed = []
    old_measure = project.agreement_measure
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
    if "import_source" in data and data["import_source"] != project.dataset.import_source:
        dataset_set_import_source(dataset=project.dataset, value=data["import_source"])
        audit(user, "project.import_source", project, project_id=project.pk, import_source=project.dataset.import_source)
    if changed:
        project.save(update_fields=[*changed, "updated_at"])
        audit(user, "project.update", project, project_id=project.pk, fields=changed)
    if project.agreement_measure != old_measure:
        project_id = project.pk
        transaction.on_commit(lambda: agreement_measure_changed.send(sender=Project, project_id=project_id))
    return project


def _check_may_lower(project: Project, user: User, member: User) -> None:
    """Only the project's creator or a superuser may demote or remove a co-manager or a superuser.

    Otherwise any manager could lock the others out of a project they share; a manager may still
    step down themselves (the last manager stays, see ``member_remove``).
    """
    if user.is_superuser or user.pk == project.created_by_id or user.pk == member.pk:
        return
    if member.is_superuser or Membership.objects.filter(project=project, user=member, role=Role.MANAGER).exists():
        raise Forbidden("Only the project's creator or a superuser may demote or remove another manager "
                        "or a superuser.")


@transaction.atomic
def project_delete(*, project: Project, user: User) -> None:
    """Delete a project with its rows now, and its media, derived files and exports once that commits."""
    audit(user, "project.delete", project, project_id=project.pk, name=project.name)
    dataset = project.dataset
    exports = f"exports/{project.pk}/"  # the folder export_key() writes every export of the project under
    project.delete()
    dataset_delete(dataset=dataset, also=[exports])


@transaction.atomic
def member_set(*, project: Project, user: User, member: User, role: str) -> Membership:
    if role not in Role.values:
        raise InvalidInput(f"Unknown role '{role}'; use one of {', '.join(Role.values)}.", field="role")
    if role != Role.MANAGER:
        _check_may_lower(project, user, member)
    membership, _ = Membership.objects.update_or_create(project=project, user=member, defaults={"role": role})
    audit(user, "member.set", project, project_id=project.pk, member=member.get_username(), role=role)
    return membership


@transaction.atomic
def member_remove(*, project: Project, user: User, member: User) -> None:
    _check_may_lower(project, user, member)
    managers = Membership.objects.filter(project=project, role=Role.MANAGER)
    if managers.count() == 1 and managers.filter(user=member).exists():
        raise Conflict("A project keeps at least one manager.")
    Membership.objects.filter(project=project, user=member).delete()
    audit(user, "member.remove", project, project_id=project.pk, member=member.get_username())
