"""Which storage keys a dataset may read: Tandem's own areas, and a project's import source.

Key layout of the one storage (the local folder or the S3 bucket):

    datasets/{dataset}/assets/{sha[:2]}/{sha}/{name}  uploaded media: one copy per dataset
    derived/{sha256 or asset id}/{kind}-v{version}/   waveforms, video analysis, proxies; shared by
                                                      every asset with the same content
    exports/{project}/{job}/{file}                    export files and release snapshots
    uploads/chunks/{upload}/{offset}                  chunks of a resumable upload until it completes
    uploads/previews/{project}/{token}                a file between an import's preview and confirm
    anything else                                     the operator's own objects, e.g. imports/team-a/

The rule (Label Studio's "source storage"): a manifest stream ``{"key": …}`` may name only an
object under its dataset's import source, a prefix a project manager sets; never one of Tandem's
areas above, whatever the prefix says. A dataset without an import source refuses every ``key``.
Two projects' import sources never overlap, so one manager cannot read another team's prefix.
A refusal is decided from the key's text alone, before storage is asked anything, so its answer
is the same whether or not an object exists there.
"""

from __future__ import annotations

from django.db.models import Q

from common.errors import Conflict, InvalidInput
from datasets.models import Dataset
from datasets.services.storage import check_key

RESERVED_AREAS = ("datasets", "derived", "exports", "uploads")
MAX_SOURCE_CHARS = 500
HOW_TO_CONFIGURE = (
    "A manager sets one, a storage prefix such as 'imports/team-a/', with PATCH /api/projects/{id}/ "
    '{"import_source": "imports/team-a/"} or on the project\'s manage page; or upload the files instead.'
)


def _reserved(path: str) -> bool:
    return path.split("/", 1)[0] in RESERVED_AREAS


def import_source_check(value: str) -> str:
    """A valid import source, normalised to end with '/'; '' clears it. 400 naming what is wrong."""
    value = value.strip()
    if not value:
        return ""
    if len(value) > MAX_SOURCE_CHARS - 1:
        raise InvalidInput(f"import_source: at most {MAX_SOURCE_CHARS - 1} characters.", field="import_source")
    body = value.rstrip("/")
    try:
        check_key(body)
    except InvalidInput:
        raise InvalidInput(
            "import_source: a relative storage prefix such as 'imports/team-a/' (no leading '/', no '..' "
            "or empty parts).", field="import_source") from None
    if "." in body.split("/"):
        raise InvalidInput("import_source: no '.' parts.", field="import_source")
    if _reserved(body):
        areas = ", ".join(f"{a}/" for a in RESERVED_AREAS)
        raise InvalidInput(f"import_source: {areas} are Tandem's own storage areas; choose a prefix outside them.",
                           field="import_source")
    return body + "/"


def dataset_set_import_source(*, dataset: Dataset, value: str) -> str:
    """Set (or clear, with '') the dataset's import source; 409 when it overlaps another dataset's."""
    source = import_source_check(value)
    if source and source != dataset.import_source:
        parts = source.rstrip("/").split("/")
        parents = ["/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]
        overlapping = (Dataset.objects.exclude(pk=dataset.pk)
                       .filter(Q(import_source__startswith=source) | Q(import_source__in=parents)))
        if overlapping.exists():
            raise Conflict(f"import_source: '{source}' overlaps another project's import source; "
                           "each project reads a prefix of its own.", field="import_source")
    if source != dataset.import_source:
        dataset.import_source = source
        dataset.save(update_fields=["import_source", "updated_at"])
    return source


def import_key_check(dataset: Dataset, key: str, where: str) -> str:
    """Refuse a manifest key outside the dataset's import source (400); the answer never depends on storage.

    The message names the stream (``where``), not the key, so two refused keys get the same answer
    whether or not an object exists at either.
    """
    check_key(key)
    source = dataset.import_source
    if not source:
        raise InvalidInput(f"{where}.key: this project has no import source, so a manifest cannot name "
                           f"storage keys. {HOW_TO_CONFIGURE}", field="key")
    parts = key.replace("\\", "/").split("/")
    if not key.startswith(source) or len(key) == len(source) or "." in parts or _reserved(key):
        raise InvalidInput(f"{where}.key: outside this project's import source '{source}'; a key must name "
                           "an object under it.", field="key")
    return key
