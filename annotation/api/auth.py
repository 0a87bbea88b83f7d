from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from annotation.api.access import actor


class TokenView(ObtainAuthToken):
    """Username + password → token; throttled per client to slow password guessing."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"


class TokenRevokeView(APIView):
    @extend_schema(request=None, responses={204: None}, summary="Revoke the caller's token")
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user=actor(request)).delete()
        return Response(status=204)
