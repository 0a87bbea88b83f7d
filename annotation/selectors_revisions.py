"""Reading an annotation's history: each revision's result, rebuilt from its full copy and deltas."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any

from annotation.models import AnnotationRevision
from annotation.revisions import replay


def revision_result(revision: AnnotationRevision) -> dict[str, Any]:
    """The result an annotation had at this revision."""
    if revision.result is not None:
        return dict(revision.result)
    rows = (AnnotationRevision.objects
            .filter(annotation_id=revision.annotation_id, version__gte=revision.base_version or 0,
                    version__lte=revision.version)
            .order_by("version").values_list("version", "result", "delta"))
    (_, result), = deque(replay(rows), maxlen=1)  # only the last version is kept
    return result


def revision_history(annotation_ids: Iterable[int]) -> Iterator[tuple[int, int, dict[str, Any], str]]:
    """``(annotation id, version, result, status)`` for every revision of these annotations, in order."""
    rows = (AnnotationRevision.objects.filter(annotation_id__in=list(annotation_ids))
            .order_by("annotation_id", "version")
            .values_list("annotation_id", "version", "result", "delta", "status"))
    for annotation_id, group in groupby(rows.iterator(chunk_size=500), key=lambda row: row[0]):
        history = list(group)
        statuses = {version: status for _, version, _, _, status in history}
        for version, result in replay((version, full, delta) for _, version, full, delta, _ in history):
            yield annotation_id, version, result, statuses[version]
