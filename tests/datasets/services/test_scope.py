"""Which storage keys a dataset may read (``datasets.services.scope``): its import source, never Tandem's areas."""

from __future__ import annotations

import pytest

from common.errors import Conflict, InvalidInput
from datasets.models import Dataset
from datasets.services.scope import dataset_set_import_source, import_key_check, import_source_check

BAD_PREFIX = ("import_source: a relative storage prefix such as 'imports/team-a/' (no leading '/', no '..' "
              "or empty parts).")
RESERVED = ("import_source: datasets/, derived/, exports/, uploads/ are Tandem's own storage areas; "
            "choose a prefix outside them.")


@pytest.mark.parametrize(("value", "normal"), [
    ("imports/team-a", "imports/team-a/"),
    ("  imports/team-a/  ", "imports/team-a/"),
    ("", ""),
    ("   ", ""),
])
def test_an_import_source_is_normalised_to_end_with_a_slash(value: str, normal: str) -> None:
    assert import_source_check(value) == normal


@pytest.mark.parametrize(("value", "detail"), [
    ("/etc/", BAD_PREFIX),
    ("imports/../datasets/", BAD_PREFIX),
    ("imports//team/", BAD_PREFIX),
    ("imports/./team/", "import_source: no '.' parts."),
    ("datasets/", RESERVED),
    ("exports/7/", RESERVED),
    ("x" * 500, "import_source: at most 499 characters."),
])
def test_a_bad_import_source_is_a_400_naming_the_field(value: str, detail: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        import_source_check(value)
    assert (caught.value.detail, caught.value.extra) == (detail, {"field": "import_source"})


def _refused(dataset: Dataset, key: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        import_key_check(dataset, key, "records[0].streams[1]")
    return caught.value.detail


def test_a_key_must_name_an_object_under_the_import_source() -> None:
    dataset = Dataset(name="d", import_source="imports/team-a/")
    assert import_key_check(dataset, "imports/team-a/day1/talk.wav", "records[0].streams[1]") == \
        "imports/team-a/day1/talk.wav"
    outside = ("records[0].streams[1].key: outside this project's import source 'imports/team-a/'; a key must "
               "name an object under it.")
    # another team's prefix, a name that merely starts like it, a '.' part
    for key in ("imports/team-b/talk.wav", "imports/team-ab/talk.wav", "imports/team-a/./x.wav"):
        assert _refused(dataset, key) == outside
    # a key that climbs out, or the prefix itself (an empty last part), is no storage key at all
    for key in ("imports/team-a/../team-b/x.wav", "imports/team-a/"):
        assert _refused(dataset, key) == f"Invalid storage key {key!r}: no '..' or empty parts."


def test_a_dataset_without_an_import_source_refuses_every_key() -> None:
    assert _refused(Dataset(name="d"), "imports/team-a/talk.wav").startswith(
        "records[0].streams[1].key: this project has no import source, so a manifest cannot name storage keys.")


@pytest.mark.django_db
def test_two_datasets_never_read_overlapping_prefixes() -> None:
    first = Dataset.objects.create(name="a")
    second = Dataset.objects.create(name="b")
    assert dataset_set_import_source(dataset=first, value="imports/team-a") == "imports/team-a/"
    first.refresh_from_db()
    assert first.import_source == "imports/team-a/"
    for value in ("imports/team-a/", "imports/team-a/sub", "imports"):
        with pytest.raises(Conflict) as caught:
            dataset_set_import_source(dataset=second, value=value)
        assert caught.value.extra == {"field": "import_source"}
    assert dataset_set_import_source(dataset=second, value="imports/team-ab") == "imports/team-ab/"
    assert dataset_set_import_source(dataset=first, value="") == ""
    first.refresh_from_db()
    assert first.import_source == ""
