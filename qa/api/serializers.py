"""Shapes of qa's API answers and requests."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from annotation.api.serializers import UserBriefSerializer
from qa.metrics.measures import LABELS
from qa.models import ReviewItem, ReviewState, TaskAgreement


class TaskAgreementSerializer(serializers.ModelSerializer):
    threshold = serializers.SerializerMethodField()
    report = serializers.JSONField()
    track_scores = serializers.JSONField()

    class Meta:
        model = TaskAgreement
        fields = ["task", "measure", "score", "threshold", "track_scores", "computed_at", "report"]

    def get_threshold(self, obj: TaskAgreement) -> float:
        return float(obj.task.project.agreement_threshold)


class ReviewItemSerializer(serializers.ModelSerializer):
    """A queue row; ``reason`` is the reason kinds joined for one-line display."""

    reason = serializers.SerializerMethodField()
    reasons = serializers.JSONField()
    external_id = serializers.CharField(source="task.item.external_id", read_only=True)
    task_status = serializers.CharField(source="task.status", read_only=True)
    agreement = serializers.FloatField(source="task.agreement", read_only=True, allow_null=True)
    claimed_by = UserBriefSerializer(allow_null=True)
    resolved_by = UserBriefSerializer(allow_null=True)
    claim_active = serializers.SerializerMethodField()
    conflict_count = serializers.SerializerMethodField()
    agreement_measure = serializers.CharField(source="task.project.agreement_measure", read_only=True)
    agreement_measure_label = serializers.SerializerMethodField()

    class Meta:
        model = ReviewItem
        fields = ["id", "task", "project_id_cache", "external_id", "task_status", "agreement", "agreement_measure",
                  "agreement_measure_label", "reason", "reasons", "state", "claimed_by", "claim_expires_at",
                  "claim_active", "resolved_by", "resolved_at", "gold", "conflict_count", "created_at"]

    def get_agreement_measure_label(self, obj: ReviewItem) -> str:
        measure = obj.task.project.agreement_measure
        return LABELS.get(measure, measure)

    def get_reason(self, obj: ReviewItem) -> str:
        return ", ".join(dict.fromkeys(str(r.get("kind")) for r in obj.reasons))

    def get_claim_active(self, obj: ReviewItem) -> bool:
        return obj.state == ReviewState.CLAIMED and obj.claim_expires_at is not None and obj.claim_expires_at >= timezone.now()

    def get_conflict_count(self, obj: ReviewItem) -> int:
        return len(obj.conflicts)


class ReviewItemDetailSerializer(ReviewItemSerializer):
    conflicts = serializers.JSONField()
    decision = serializers.JSONField()

    class Meta(ReviewItemSerializer.Meta):
        fields = [*ReviewItemSerializer.Meta.fields, "conflicts", "decision"]


class ResolveSerializer(serializers.Serializer):
    result = serializers.JSONField()
    sources = serializers.ListField(child=serializers.JSONField(), required=False, default=list)

    def validate_result(self, value: Any) -> Any:
        if not isinstance(value, dict):
            raise serializers.ValidationError("must be an object with a 'regions' list")
        return value


class FlagSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class FlagReceiptSerializer(serializers.Serializer):
    """The flagger's own flag; never the review item (blind labeling)."""

    flagged = serializers.BooleanField()
    task = serializers.IntegerField()
    note = serializers.CharField()


class GoldEditSerializer(serializers.Serializer):
    result = serializers.JSONField()
    version = serializers.IntegerField(min_value=1, help_text="the gold's current version")
    reason = serializers.CharField(max_length=2000, allow_blank=True, help_text="kept in the audit trail")

    def validate_result(self, value: Any) -> Any:
        if not isinstance(value, dict):
            raise serializers.ValidationError("must be an object with a 'regions' list")
        return value


class AnnotatorQualitySerializer(serializers.Serializer):
    annotator = serializers.CharField()
    peers = serializers.JSONField()
    gold = serializers.JSONField()
    throughput = serializers.JSONField()
    prelabel = serializers.JSONField()
    wer = serializers.JSONField(help_text="Per transcript track: word error rate of the pre-labeled transcript "
                                          "against the submitted one, with its substitution, deletion, insertion "
                                          "and reference word counts and the annotations pooled")
