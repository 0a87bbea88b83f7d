from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import logout
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from annotation.policy import actor
from common import throttle
from common.tokens import token_issue, tokens_revoke_all


class LoginRateThrottle(ScopedRateThrottle):
    """Attempts per client address, the address resolved as the login lockout resolves it."""

    def get_ident(self, request: Request) -> str:
        return throttle.client_address(request._request)


class TokenView(ObtainAuthToken):
    """Username + password → token; limited per address and per user name (common/throttle.py)."""

    throttle_classes = [LoginRateThrottle]
    throttle_scope = "login"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = request.data if isinstance(request.data, Mapping) else {}
        username = data.get("username")
        if username is not None and throttle.locked(request._request, username):
            raise Throttled(wait=throttle.retry_after(), detail="Too many failed logins for this user name.")
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if username and data.get("password"):
                throttle.record_failure(request._request, username)
            raise ValidationError(serializer.errors)
        throttle.record_success(request._request, username)
        return Response({"token": token_issue(user=serializer.validated_data["user"]).key})


class TokenRevokeView(APIView):
    @extend_schema(request=None, responses={204: None}, summary="Revoke the caller's token")
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user=actor(request)).delete()
        return Response(status=204)


class TokenRevokeAllView(APIView):
    @extend_schema(
        request=None,
        responses={200: inline_serializer("RevokeAll", {"tokens": serializers.IntegerField(),
                                                        "sessions": serializers.IntegerField()})},
        summary="Sign out everywhere: delete the caller's API token and end all their browser sessions",
    )
    def post(self, request: Request) -> Response:
        revoked = tokens_revoke_all(user=actor(request))
        logout(request._request)  # this request's own session is among those ended
        return Response(revoked)
