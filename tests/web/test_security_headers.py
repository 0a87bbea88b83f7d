"""Every response carries the Content-Security-Policy; the API docs load nothing from outside hosts."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from common.middleware import content_security_policy, storage_origins

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, list[str]]:
    return {parts[0]: parts[1:] for parts in (d.split() for d in header.split(";"))}


def test_pages_get_a_same_origin_policy_with_a_fresh_nonce_for_inline_scripts() -> None:
    first, second = Client().get("/login/"), Client().get("/login/")
    policy = _directives(first["Content-Security-Policy"])
    nonce = policy["script-src"][1]
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'", nonce] and re.fullmatch(r"'nonce-[\w-]{22}'", nonce)
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["media-src"] == ["'self'", "blob:"]
    assert _directives(second["Content-Security-Policy"])["script-src"][1] != nonce


def test_the_editors_one_inline_script_carries_the_responses_nonce(project: Any, annotator_a: Any, make_items: Any) -> None:
    (task,) = make_items(project, 1)
    client = Client()
    client.force_login(annotator_a)
    client.post(f"/projects/{project.pk}/next/")
    response = client.get(f"/tasks/{task.pk}/annotate/")
    assert response.status_code == 200
    nonce = _directives(response["Content-Security-Policy"])["script-src"][1][len("'nonce-"):-1]
    html = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", html)
    assert inline == [f' nonce="{nonce}"']


def test_signed_storage_urls_are_allowed_for_media_images_and_fetches() -> None:
    minio = storage_origins("s3", {"endpoint_url": "http://minio:9000/", "bucket_name": "tandem"})
    assert minio == ["http://minio:9000", "http://tandem.minio:9000"]
    aws = storage_origins("s3", {"endpoint_url": None, "bucket_name": "tandem", "region_name": "eu-west-1"})
    assert aws == ["https://tandem.s3.amazonaws.com", "https://tandem.s3.eu-west-1.amazonaws.com",
                   "https://s3.eu-west-1.amazonaws.com"]
    assert storage_origins("local", {"location": "/srv"}) == []
    policy = _directives(content_security_policy("abc", minio))
    for directive in ("media-src", "img-src", "connect-src"):
        assert policy[directive][-2:] == minio, directive


def test_the_api_docs_load_only_the_apps_own_static_files(manager: Any) -> None:
    client = Client()
    client.force_login(manager)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>" not in html  # the start-up script is a file of its own
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sorted(urlsplit(u).path for u in urls) == [
        "/api/docs/", "/static/drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"]
    for url in urls:
        assert not urlsplit(url).netloc, url
        response = client.get(url.replace("&amp;", "&"))
        assert response.status_code == 200, url
    script = client.get("/api/docs/?script=").content.decode()
    assert re.findall(r"https?://", script) == []
    assert '"validatorUrl": null' in script
