"""Answer shapes that every API shares, for the OpenAPI schema."""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers


class DetailSerializer(serializers.Serializer):
    """A message: every error answer (`common.errors.exception_handler`; some add named fields such
    as ``field`` or ``status``), and the answer of an action that has nothing else to say.
    """

    detail = serializers.CharField()


def page_of(name: str, item: serializers.BaseSerializer) -> serializers.Serializer:
    """The shape of a page as ``common.pagination.Pagination`` writes it, for a view that builds it itself."""
    return inline_serializer(name, {  # type: ignore[no-any-return]
        "count": serializers.IntegerField(),
        "next": serializers.CharField(allow_null=True),
        "previous": serializers.CharField(allow_null=True),
        "results": item,
    })
