"""Refusals and missing pages are styled pages with the site's navigation; the favicon is served."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import get_resolver

from web import site_views

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("page", ["quality", "manage"])
def test_an_annotator_on_a_reviewer_or_manager_page_gets_a_styled_404_with_a_way_home(
        project, annotator_a, page) -> None:
    response = _client(annotator_a).get(f"/projects/{project.pk}/{page}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert 'data-testid="error-page"' in html
    assert '<a class="btn" data-testid="home-link" href="/">Back to your projects</a>' in html
    assert '<a href="/">Projects</a>' in html  # the site's header navigation
    assert '<link rel="icon" href="/favicon.ico"' in html


def test_an_unknown_page_for_an_anonymous_visitor_offers_the_sign_in() -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert '<a class="btn" data-testid="home-link" href="/login/">Sign in</a>' in response.content.decode()


def test_an_unknown_api_path_answers_json() -> None:
    response = Client().get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_the_403_handler_is_the_styled_page(annotator_a) -> None:
    assert get_resolver().resolve_error_handler(403) is site_views.forbidden
    request = RequestFactory().get("/projects/1/manage/")
    request.user = annotator_a
    response = site_views.forbidden(request, PermissionDenied())
    assert response.status_code == 403
    html = response.content.decode()
    assert "Not allowed" in html
    assert '<a class="btn" data-testid="home-link" href="/">Back to your projects</a>' in html


def test_the_favicon_is_served_at_the_root_as_an_icon() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    body = b"".join(response.streaming_content)
    assert body[:6] == b"\x00\x00\x01\x00\x01\x00"  # an ICO file holding one image
    assert (body[6], body[7]) == (16, 16)
    assert "max-age=86400" in response["Cache-Control"]
