import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from annotation.models import Annotation, AnnotationRevision, Assignment, Job, Membership, Prediction, Project, Task
from annotation.selectors_revisions import revision_history
from annotation.services.projects import project_delete


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "overlap", "agreement_threshold", "task_count", "completed_count", "created_at")
    search_fields = ("name",)
    inlines = [MembershipInline]
    readonly_fields = ("task_count", "completed_count", "annotation_count", "schema_version")

    # Through the service, so the project's dataset and files go with it (as over the API).
    def delete_model(self, request: HttpRequest, obj: Project) -> None:
        project_delete(project=obj, user=request.user)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Project]) -> None:
        for project in queryset.select_related("dataset"):
            project_delete(project=project, user=request.user)  # type: ignore[arg-type]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("id", "project", "item", "status", "submitted_count", "target_count", "agreement")
    list_filter = ("status", "project", "is_honeypot", "for_everyone")
    raw_id_fields = ("item",)


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("id", "task", "annotator", "status", "lease_expires_at")
    list_filter = ("status",)
    raw_id_fields = ("task", "annotator")


class RevisionInline(admin.TabularInline):
    model = AnnotationRevision
    extra = 0
    fields = ("version", "status", "author", "created_at", "full_result")
    readonly_fields = fields
    can_delete = False

    @admin.display(description="result")
    def full_result(self, revision: AnnotationRevision) -> str:
        # Most revisions store a delta: rebuild the annotation's history once per page (an inline
        # is made per request), then show each result as it was at that version.
        cache: dict[int, dict[int, Any]] = self.__dict__.setdefault("_history", {})
        if revision.annotation_id not in cache:
            cache[revision.annotation_id] = {
                version: result for _, version, result, _ in revision_history([revision.annotation_id])}
        return json.dumps(cache[revision.annotation_id].get(revision.version), ensure_ascii=False)[:20_000]


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    """Read here; change annotations through the editor or the API, which keep versions and revisions."""

    list_display = ("id", "task", "annotator", "kind", "status", "version", "updated_at")
    list_filter = ("kind", "status")
    raw_id_fields = ("task", "annotator")
    readonly_fields = ("version", "result", "status", "kind", "submitted_at")
    inlines = [RevisionInline]


@admin.register(Prediction)
class PredictionAdmin(admin.ModelAdmin):
    list_display = ("id", "task", "model", "model_version", "score", "created_at")
    list_filter = ("model",)
    raw_id_fields = ("task",)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "project", "kind", "status", "progress", "release_name", "created_at")
    list_filter = ("kind", "status")
    readonly_fields = ("params", "result", "error", "file_key")
