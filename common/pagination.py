"""Page-number pages with a count, and keyset pages without one for lists too long to count."""

from __future__ import annotations

import base64
from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination, Cursor, CursorPagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from common.errors import InvalidInput


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000


class KeysetPagination(CursorPagination):
    """Pages by ``WHERE id > last ORDER BY id LIMIT n + 1``: no count, and page 2,000 costs what page 1 does.

    The cursor is opaque; the answer is ``{"next": url | null, "results": [...]}``. A cursor that
    does not decode is the client's mistake (400), not a missing page.
    """

    ordering = "id"
    page_size_query_param = "page_size"
    max_page_size = 1000
    invalid_cursor_message = "Invalid cursor: pass the 'next' link of the previous page as it is, or 'cursor=' to start."

    def decode_cursor(self, request: Request) -> Cursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        try:
            if encoded:
                # Strictly: a lenient decode reads stray characters as nothing, and so as the first page.
                base64.b64decode(encoded.encode("ascii"), validate=True)
            cursor = super().decode_cursor(request)
        except (NotFound, ValueError):
            raise InvalidInput(self.invalid_cursor_message, field="cursor") from None
        if cursor is not None and cursor.position is not None and not _is_int(cursor.position):
            # The position is compared with the id column: anything but an integer is a forged cursor.
            raise InvalidInput(self.invalid_cursor_message, field="cursor")
        return cursor

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {"type": "object", "required": ["next", "results"], "properties": {
            "next": {"type": "string", "nullable": True, "format": "uri"},
            "results": schema,
        }}


def _is_int(value: object) -> bool:
    try:
        int(str(value))
    except ValueError:
        return False
    return True


class PageOrCursorPagination(BasePagination):
    """Page numbers with a count by default; keyset pages when the request carries ``cursor``
    (``cursor=`` with no value asks for the first keyset page). The choice is made per request."""

    cursor_query_param = KeysetPagination.cursor_query_param

    def __init__(self) -> None:
        self.delegate: Pagination | KeysetPagination = Pagination()

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        self.delegate = KeysetPagination() if self.cursor_query_param in request.query_params else Pagination()
        return self.delegate.paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        return self.delegate.get_paginated_response(data)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        page = Pagination().get_paginated_response_schema(schema)
        page["required"] = ["next", "results"]
        page["properties"]["count"]["description"] = "Page-number mode only (no 'cursor' parameter)."
        page["properties"]["previous"]["description"] = "Page-number mode only."
        return page

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        params = Pagination().get_schema_operation_parameters(view)
        cursor = KeysetPagination().get_schema_operation_parameters(view)
        names = {p["name"] for p in params}
        for param in cursor:
            if param["name"] == self.cursor_query_param:
                param["schema"] = {"type": "string"}
                param["description"] = ("Keyset pages ordered by id, without a count: 'cursor=' (empty) for the "
                                        "first page, then the 'next' link of each answer.")
            if param["name"] not in names:
                params.append(param)
        return params
