"""Stream offsets: the sync check proposes, a manager decides."""

from __future__ import annotations

from django.contrib.auth.models import User

from common.audit import audit
from common.errors import Conflict, InvalidInput
from datasets.models import Stream

MAX_OFFSET_MS = 86_400_000


def stream_set_offset(*, stream: Stream, user: User, offset_ms: int | None, accept_proposed: bool,
                      project_id: int) -> Stream:
    """Set a stream's offset on the item timeline, either to a given value or to the proposed one."""
    if accept_proposed:
        if stream.proposed_offset_ms is None:
            raise Conflict("The sync check has proposed no offset for this stream.")
        offset_ms = stream.proposed_offset_ms
    if offset_ms is None or isinstance(offset_ms, bool) or not isinstance(offset_ms, int) \
            or abs(offset_ms) > MAX_OFFSET_MS:
        raise InvalidInput("'offset_ms' must be an integer number of milliseconds.", field="offset_ms")
    previous = stream.offset_ms
    stream.offset_ms = offset_ms
    stream.save(update_fields=["offset_ms"])
    audit(user, "stream.offset", stream, project_id=project_id, previous=previous, offset_ms=offset_ms,
          proposed=stream.proposed_offset_ms, confidence=stream.offset_confidence)
    return stream
