"""Request guards: NUL characters refused before PostgreSQL sees them; the Content-Security-Policy."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any("\x00" in key or any("\x00" in v for v in values)
                                         for key, values in request.GET.lists()):
            return JsonResponse({"detail": "NUL characters are not allowed in the URL or its parameters."}, status=400)
        return self.get_response(request)


def storage_origins(backend: str, options: Mapping[str, Any]) -> list[str]:
    """Where signed media URLs point when files live in S3 (the media endpoint redirects there)."""
    if backend != "s3":
        return []
    endpoint = options.get("endpoint_url")
    if endpoint:
        parts = urlsplit(str(endpoint))
        # Path-style (bucket in the path) and virtual-hosted (bucket as a subdomain) addresses.
        return [f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}://{options.get('bucket_name')}.{parts.netloc}"]
    bucket, region = options.get("bucket_name"), options.get("region_name") or "us-east-1"
    return [f"https://{bucket}.s3.amazonaws.com", f"https://{bucket}.s3.{region}.amazonaws.com",
            f"https://s3.{region}.amazonaws.com"]


def content_security_policy(nonce: str, media_origins: list[str]) -> str:
    """Same-origin everything; inline scripts only with this response's nonce.

    Styles allow inline: templates and the editor colour labels with ``style`` attributes, which a
    nonce cannot cover, and styles run no code. ``blob:`` workers are waveform-data's (peaks.js)
    decoder; media, images and fetches may follow the media endpoint's redirect to signed storage
    URLs.
    """
    media = " ".join(media_origins)
    directives = [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob: {media}".rstrip(),
        f"media-src 'self' blob: {media}".rstrip(),
        f"connect-src 'self' {media}".rstrip(),
        "worker-src 'self' blob:",
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


class ContentSecurityPolicyMiddleware:
    """Gives each request a nonce (``request.csp_nonce``, for templates) and each response the policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            storage = cast(dict[str, Any], settings.STORAGES["default"])
            origins = storage_origins(settings.STORAGE_BACKEND, storage.get("OPTIONS", {}))
            response["Content-Security-Policy"] = content_security_policy(nonce, origins)
        return response
