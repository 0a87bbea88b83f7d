from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from annotation.models import OVERLAP_RANGE, THRESHOLD_RANGE, Annotation, Membership, Prediction, Project, Role, Task
from annotation.policy import PEER_WORK_TASK_FIELDS
from datasets.api.serializers import ItemSerializer


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class ProjectSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    schema = serializers.JSONField()
    import_source = serializers.CharField(
        source="dataset.import_source", required=False, allow_blank=True, max_length=500,
        help_text="Storage prefix (e.g. 'imports/team-a/') that manifest `key` streams may name; empty: none.")

    class Meta:
        model = Project
        fields = [
            "id", "name", "instructions", "schema", "schema_version", "overlap", "agreement_threshold",
            "agreement_measure", "merge_rule", "everyone_share", "honeypot_rate", "audit_rate", "prelabelers",
            "role", "counts", "created_at", "import_source", "allow_reopen",
            "require_consent", "audit_facets", "audit_thresholds",
        ]
        read_only_fields = ["schema_version", "created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # `import_source` lives on the project's dataset; the services take it as a flat field.
        dataset = attrs.pop("dataset", None)
        if dataset is not None and "import_source" in dataset:
            attrs["import_source"] = dataset["import_source"]
        return attrs

    def get_role(self, obj: Project) -> str | None:
        from annotation.selectors import role_in

        return role_in(obj.pk, self.context["request"].user)

    def get_counts(self, obj: Project) -> dict[str, int]:
        return {"tasks": obj.task_count, "completed": obj.completed_count, "annotations": obj.annotation_count}

    def validate_overlap(self, value: int) -> int:
        low, high = OVERLAP_RANGE
        if not low <= value <= high:
            raise serializers.ValidationError(f"overlap must be between {low} and {high} annotators per task.")
        return value

    def validate_agreement_threshold(self, value: float) -> float:
        low, high = THRESHOLD_RANGE
        if not low <= value <= high:
            raise serializers.ValidationError(f"agreement_threshold must be between {low:g} and {high:g}.")
        return value

    def _rate(self, value: float) -> float:
        if not 0.0 <= value <= 1.0:
            raise serializers.ValidationError("must be a fraction between 0 and 1.")
        return value

    validate_everyone_share = _rate

    def validate_require_consent(self, value: str | None) -> str | None:
        return value or None  # an empty scope requires nothing

    def validate_audit_facets(self, value: Any) -> list[str]:
        from datasets.exports.audit import AuditSettingsError, check_facets

        try:
            return check_facets(value)
        except AuditSettingsError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate_audit_thresholds(self, value: Any) -> dict[str, Any]:
        from datasets.exports.audit import AuditSettingsError, check_thresholds

        try:
            return check_thresholds(value)
        except AuditSettingsError as exc:
            raise serializers.ValidationError(str(exc)) from None
    validate_honeypot_rate = _rate
    validate_audit_rate = _rate


class MembershipSerializer(serializers.ModelSerializer):
    user = UserBriefSerializer(read_only=True)
    username = serializers.CharField(write_only=True)
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["id", "user", "username", "role", "created_at"]
        read_only_fields = ["created_at"]

    def validate_username(self, value: str) -> Any:
        try:
            return get_user_model().objects.get(username=value)
        except get_user_model().DoesNotExist:
            raise serializers.ValidationError(f"No user named '{value}'.") from None


class PeerWorkHiddenMixin(serializers.Serializer):
    """Leaves out the task fields that count or score other people's work unless the caller may see them.

    The view passes ``peer_work`` (``annotation.policy.user_sees_peer_work``) in the context; without
    it the fields are left out.
    """

    # Not read-only, so the schema does not list them as always present (these serializers only answer).
    submitted_count = serializers.IntegerField(required=False, help_text="left out for annotators (blind labeling)")
    agreement = serializers.FloatField(required=False, allow_null=True,
                                       help_text="left out for annotators (blind labeling)")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if not self.context.get("peer_work", False):
            for name in PEER_WORK_TASK_FIELDS:
                data.pop(name, None)
        return data


class TaskListSerializer(PeerWorkHiddenMixin, serializers.ModelSerializer):
    external_id = serializers.CharField(source="item.external_id")
    provenance = serializers.JSONField(source="item.provenance")

    class Meta:
        model = Task
        fields = ["id", "project", "item", "external_id", "provenance", "status", "target_count",
                  "submitted_count", "agreement", "created_at"]


class TaskSerializer(PeerWorkHiddenMixin, serializers.ModelSerializer):
    item = ItemSerializer()

    class Meta:
        model = Task
        fields = ["id", "project", "status", "target_count", "submitted_count", "agreement", "item"]


class AnnotationSerializer(serializers.ModelSerializer):
    annotator = UserBriefSerializer(read_only=True, allow_null=True)
    result = serializers.JSONField()

    class Meta:
        model = Annotation
        fields = ["id", "task", "annotator", "kind", "status", "version", "result", "automatic",
                  "created_at", "updated_at", "submitted_at", "review_note"]
        read_only_fields = ["task", "kind", "status", "version", "automatic", "created_at", "updated_at", "submitted_at",
                            "review_note"]


_DATETIME = serializers.DateTimeField()


def _when(value: datetime | None) -> str | None:
    return None if value is None else str(_DATETIME.to_representation(value))


def annotation_data(annotation: Annotation) -> dict[str, Any]:
    """``AnnotationSerializer(annotation).data``, built directly.

    A ModelSerializer inspects the model to build its fields on every instance, which costs more
    than the rest of a draft save's answer; the save, submit, create, read and reopen answers
    (one annotation each) use this instead. tests/annotation/api/test_annotations_api.py holds the
    two to the same output.
    """
    annotator = annotation.annotator
    return {
        "id": annotation.pk,
        "task": annotation.task_id,
        "annotator": None if annotator is None else {"id": annotator.pk, "username": annotator.username},
        "kind": str(annotation.kind),
        "status": str(annotation.status),
        "version": int(annotation.version),
        "result": annotation.result,
        "automatic": bool(annotation.automatic),
        "created_at": _when(annotation.created_at),
        "updated_at": _when(annotation.updated_at),
        "submitted_at": _when(annotation.submitted_at),
        "review_note": str(annotation.review_note),
    }


class ParsedJSONField(serializers.JSONField):
    """A JSON value as the request's parser gave it.

    DRF's JSONField encodes an object or list again only to check that it can be encoded: one
    that came out of the JSON parser always can, and a large result paid for that on every save.
    Anything else (a form field's text) is checked as before.
    """

    def to_internal_value(self, data: Any) -> Any:
        if type(data) is dict or type(data) is list:
            return data
        return super().to_internal_value(data)


class AnnotationCreateSerializer(serializers.Serializer):
    result = ParsedJSONField(required=False)


class AnnotationSaveSerializer(serializers.Serializer):
    result = ParsedJSONField()
    version = serializers.IntegerField(min_value=1)


class AnnotationSubmitSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False)


class PredictionSerializer(serializers.ModelSerializer):
    result = serializers.JSONField()

    class Meta:
        model = Prediction
        fields = ["id", "task", "model", "model_version", "score", "result", "error", "created_at"]


class ImportSerializer(serializers.Serializer):
    manifest = serializers.FileField(required=False, help_text="JSONL: one item per line")
    files = serializers.ListField(child=serializers.FileField(), required=False)
