from django.contrib import admin

from annotation.models import Annotation, AnnotationRevision, Assignment, Job, Membership, Prediction, Project, Task


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
    readonly_fields = ("version", "status", "author", "created_at", "result")
    can_delete = False


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
