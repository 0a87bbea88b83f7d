"""Site-wide answers: the favicon and the styled 403/404 pages (with the site's navigation)."""

from __future__ import annotations

from pathlib import Path

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

FAVICON = Path(__file__).resolve().parent / "static" / "web" / "favicon.ico"


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> FileResponse:
    """The site icon at the path browsers ask for on every page, without a redirect."""
    return FileResponse(FAVICON.open("rb"), content_type="image/x-icon")


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    # API clients get JSON in DRF's shape; people get a page they can navigate away from.
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": f"{title}."}, status=status)
    return render(request, "web/error.html", {"status": status, "title": title, "message": message}, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: also what a person without access to a page gets, so it never says which it was."""
    return _error(request, 404, "Not found",
                  "This page does not exist, or it belongs to a project you are not a reviewer or manager of.")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: signed in, but this action is not open to your role."""
    return _error(request, 403, "Not allowed", "Your role in this project does not allow this.")
