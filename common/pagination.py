"""Page-number pages with a count, and keyset pages without one for lists too long to count."""

from __future__ import annotations

import base64
from typing import Any, cast

from django.core.paginator import Page
from django.core.paginator import Paginator as DjangoPaginator
from django.db import connections
from django.db.models import Count, QuerySet, Window
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination, Cursor, CursorPagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from common.errors import InvalidInput

# OFFSET is a bigint: a page number past it is no page, and must not reach the database as one.
_LARGEST_OFFSET = 2**62


class CountedPaginator(DjangoPaginator):
    """Django's paginator, told the count when the view knows it without counting (a counter kept
    on write), or asked to read it from the page query itself (``count_with_page``)."""

    def __init__(self, *args: Any, known_count: int | None = None, count_with_page: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count_with_page = count_with_page and isinstance(self.object_list, QuerySet)
        if known_count is not None:
            self.__dict__["count"] = known_count  # ``count`` is a cached property: this is its cached value

    def page(self, number: Any) -> Page:
        if not self.count_with_page or "count" in self.__dict__ or self.orphans:
            return super().page(number)
        try:
            n = max(int(number), 1)
        except (TypeError, ValueError):
            return super().page(number)  # Django's own answer to a page number that is not one
        # ``COUNT(*) OVER ()``: the filtered join is computed once for the page and its count,
        # where a separate COUNT would compute it a second time.
        start = (n - 1) * self.per_page
        if start > _LARGEST_OFFSET:
            return super().page(number)  # past any list a database holds: counted, then refused as usual
        rows, total = _rows_and_total(cast(QuerySet[Any], self.object_list), start, self.per_page)
        if not rows:
            return super().page(number)  # past the end (or an empty list): counted, then refused as usual
        self.__dict__["count"] = total
        return Page(rows, n, self)


def _rows_and_total(queryset: QuerySet[Any], offset: int, limit: int) -> tuple[list[Any], int]:
    """``limit`` rows from ``offset`` and the length of the whole list, by one query."""
    if not queryset.query.combinator:
        # COUNT(*), not of a column: a column not in the index the rows come from would be read from the heap.
        rows = list(queryset.annotate(_list_total=Window(Count("*")))[offset:offset + limit])
        if not rows:
            return rows, 0
        first = rows[0]
        return rows, first["_list_total"] if isinstance(first, dict) else first._list_total
    # A set operation (INTERSECT, UNION) cannot be annotated: its SQL is wrapped, and its rows come
    # back as the values() dicts the queryset itself would give.
    quote = connections[queryset.db].ops.quote_name
    names = [name for name in queryset.query.order_by if isinstance(name, str)]
    if len(names) != len(queryset.query.order_by):
        raise TypeError("A set operation is paged in the order of its columns, by name.")
    order = ", ".join(f"q.{quote(name.lstrip('-'))}{' DESC' if name.startswith('-') else ''}" for name in names) or "1"
    sql, params = queryset.order_by().query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"SELECT q.*, COUNT(*) OVER () FROM ({sql}) q ORDER BY {order} LIMIT %s OFFSET %s",
                       [*params, limit, offset])
        columns = [column[0] for column in cursor.description][:-1]
        found = cursor.fetchall()
    return [dict(zip(columns, row[:-1], strict=True)) for row in found], found[0][-1] if found else 0


class Pagination(PageNumberPagination):
    """Page numbers with a count. A view that knows its list's length without counting it says so in
    ``known_count``; one whose count costs as much as its page (a filtered join) sets
    ``count_with_page`` to have both read by one query."""

    page_size_query_param = "page_size"
    max_page_size = 1000
    _known_count: int | None = None
    _count_with_page = False

    def django_paginator_class(self, *args: Any, **kwargs: Any) -> DjangoPaginator:  # type: ignore[override]
        return CountedPaginator(*args, known_count=self._known_count, count_with_page=self._count_with_page,
                                 **kwargs)

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        self._known_count = getattr(view, "known_count", None)
        self._count_with_page = bool(getattr(view, "count_with_page", False))
        return super().paginate_queryset(queryset, request, view)


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

    @classmethod
    def wants_cursor(cls, request: Request) -> bool:
        return cls.cursor_query_param in request.query_params

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        self.delegate = KeysetPagination() if self.wants_cursor(request) else Pagination()
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
