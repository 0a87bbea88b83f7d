"""An item's consent, licence and retention date, for managers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.policy import actor, item_for
from annotation.services.items import item_payload, item_set_consent

_ITEM = inline_serializer("ItemConsent", {
    "id": serializers.IntegerField(), "external_id": serializers.CharField(),
    "consent": serializers.JSONField(help_text="[{subject, scope, given_at}]"),
    "licence": serializers.CharField(), "retention_until": serializers.DateField(allow_null=True),
    "media_deleted_at": serializers.DateTimeField(allow_null=True)})


class ItemDetailView(APIView):
    @extend_schema(responses=_ITEM, summary="An item's consent, licence and retention date")
    def get(self, request: Request, pk: int) -> Response:
        item, _ = item_for(request.user, pk)
        return Response(item_payload(item))

    @extend_schema(request=_ITEM, responses=_ITEM,
                   summary="Set an item's consent, licence or retention date (400 names a bad field)")
    def patch(self, request: Request, pk: int) -> Response:
        item, project = item_for(request.user, pk)
        data: Any = request.data
        return Response(item_payload(item_set_consent(item=item, project=project, user=actor(request), data=data)))
