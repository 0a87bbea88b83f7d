"""The shape of the dataset audit (``datasets.exports.audit.audit_document``) for the OpenAPI schema.

A project's audit and a release's stored one have the same shape; maps keyed by a track, a facet
key or a provenance kind are open objects of one row shape.
"""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers


def _share() -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text="a fraction of the whole (null when the whole is 0)")


# Built from dicts: "label" and "required" are fields of the answer and attributes of every serializer.
AuditLabelSerializer = inline_serializer("AuditLabel", {
    "label": serializers.CharField(),
    "segments": serializers.IntegerField(),
    "share": _share(),
    "duration_ms": serializers.IntegerField(),
    "duration_share": _share(),
})


class AuditTrackSerializer(serializers.Serializer):
    kind = serializers.CharField()
    segments = serializers.IntegerField()
    duration_ms = serializers.IntegerField()
    items = serializers.IntegerField()
    labels = serializers.ListField(child=AuditLabelSerializer)


class AuditAnnotatorSerializer(serializers.Serializer):
    annotator = serializers.CharField()
    annotations = serializers.IntegerField()
    regions = serializers.IntegerField()
    duration_ms = serializers.IntegerField()


class AuditModalitySerializer(serializers.Serializer):
    role = serializers.CharField()
    kind = serializers.CharField()
    streams = serializers.IntegerField()
    duration_ms = serializers.IntegerField()


class AuditTrackCoverageSerializer(serializers.Serializer):
    labeled_ms = serializers.IntegerField()
    coverage = _share()


class AuditCoverageSerializer(serializers.Serializer):
    media_ms = serializers.IntegerField()
    tracks = serializers.DictField(child=AuditTrackCoverageSerializer())


class AuditFacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    items = serializers.IntegerField()
    share = _share()
    duration_ms = serializers.IntegerField()
    duration_share = _share()


class AuditFacetSerializer(serializers.Serializer):
    values = AuditFacetValueSerializer(many=True)
    distinct = serializers.IntegerField()
    items = serializers.IntegerField()
    duration_ms = serializers.IntegerField()
    more = serializers.IntegerField(help_text="values beyond the listed ones")


class AuditProvenanceSerializer(serializers.Serializer):
    items = serializers.IntegerField()
    duration_ms = serializers.IntegerField()
    share = _share()


AuditConsentSerializer = inline_serializer("AuditConsent", {
    "required": serializers.CharField(allow_null=True, allow_blank=True, help_text="the project's consent scope"),
    "with_consent": serializers.IntegerField(),
    "without": serializers.IntegerField(),
    "with_required": serializers.IntegerField(allow_null=True),
    "excluded": serializers.IntegerField(),
})


class AuditLicenceSerializer(serializers.Serializer):
    licence = serializers.CharField()
    items = serializers.IntegerField()


class AuditRetentionSerializer(serializers.Serializer):
    scheduled = serializers.IntegerField()
    media_deleted = serializers.IntegerField()


class AuditRedactionSerializer(serializers.Serializer):
    tracks = serializers.ListField(child=serializers.CharField())
    regions = serializers.IntegerField()
    items = serializers.IntegerField()


class AuditDuplicatePairSerializer(serializers.Serializer):
    asset = serializers.IntegerField()
    of_asset = serializers.IntegerField()
    kind = serializers.CharField()
    distance = serializers.IntegerField(allow_null=True)
    item = serializers.CharField()
    of_item = serializers.CharField()
    cross_split = serializers.BooleanField()


class AuditDuplicatesSerializer(serializers.Serializer):
    exact = serializers.IntegerField()
    near = serializers.IntegerField()
    cross_split = serializers.IntegerField(required=False)
    pairs = AuditDuplicatePairSerializer(many=True)


class AuditSettingsSerializer(serializers.Serializer):
    facets = serializers.ListField(child=serializers.CharField())
    thresholds = serializers.DictField()


class AuditWarningSerializer(serializers.Serializer):
    rule = serializers.CharField()
    subject = serializers.CharField()
    value = serializers.FloatField()
    threshold = serializers.FloatField()
    message = serializers.CharField()


class AuditSerializer(serializers.Serializer):
    items = serializers.IntegerField()
    media_ms = serializers.IntegerField()
    undated_items = serializers.IntegerField()
    labels = serializers.DictField(child=AuditTrackSerializer(), help_text="per track")
    annotators = AuditAnnotatorSerializer(many=True)
    modalities = AuditModalitySerializer(many=True)
    coverage = AuditCoverageSerializer()
    facets = serializers.DictField(child=AuditFacetSerializer(), help_text="per facet key")
    provenance = serializers.DictField(child=AuditProvenanceSerializer(), help_text="per provenance kind")
    consent = AuditConsentSerializer
    licences = AuditLicenceSerializer(many=True)
    retention = AuditRetentionSerializer()
    redaction = AuditRedactionSerializer()
    duplicates = AuditDuplicatesSerializer()
    settings = AuditSettingsSerializer()
    warnings = AuditWarningSerializer(many=True)
    gaps = serializers.ListField(child=serializers.CharField())
