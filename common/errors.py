"""Domain errors and the one place that turns them into HTTP answers.

Services raise these; API views never build error responses by hand, so the same failure gets
the same status everywhere.
"""

from __future__ import annotations

from typing import Any

from django import db
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class DomainError(Exception):
    status_code: int = status.HTTP_400_BAD_REQUEST

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidInput(DomainError):
    status_code = status.HTTP_400_BAD_REQUEST


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT


class StaleVersion(Conflict):
    """A save carried a version older than the stored one."""


class TooLarge(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


class UnsupportedMedia(DomainError):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE


class StorageUnavailable(DomainError):
    """Storage could not keep a file (I/O error, unreachable bucket): nothing was kept; try again."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE


class StorageFull(DomainError):
    status_code = status.HTTP_507_INSUFFICIENT_STORAGE


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN


class InvalidTransition(Conflict):
    """A state machine was asked for a move it does not allow."""


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"detail": exc.detail, **exc.extra}, status=exc.status_code)
    if isinstance(exc, (db.OperationalError, db.InterfaceError)):
        # The database went away (restart, failover): nothing was written; the client may retry.
        unavailable = Response({"detail": "The database is unavailable for a moment; try again."},
                               status=status.HTTP_503_SERVICE_UNAVAILABLE)
        unavailable["Retry-After"] = "5"
        return unavailable
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": "Request body too large."}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        response.data = {"detail": response.data}
    elif response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": "Invalid input.", "errors": response.data}
    return response
