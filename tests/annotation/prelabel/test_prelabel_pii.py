"""Personal data in text: pinned findings on a known text."""

from __future__ import annotations

from annotation.prelabel import pii
from annotation.prelabel.base import check_region

TEXT = ("Hi, I am Ann Lee. Mail ann.lee+work@example.co.uk or call +44 20 7946 0958. "
        "Order 12-34 shipped; card 4111 1111 1111 1111. Ann met Bob at 10 Downing St.")
OPTIONS = {"track": "redact", "label": "other", "names": ["Ann Lee", "Ann", "bob"],
           "patterns": [{"pattern": r"\d+ Downing St", "reason": "address"}]}


def _found(text: str, options: dict) -> list[tuple[str, str]]:
    [result] = pii.run([{"text": text}], device="cpu", options=options)
    assert result.error is None
    for region in result.regions:
        check_region(region, "redact")
        assert "text" not in region
    return [(r["label"], text[r["start_char"]:r["end_char"]]) for r in result.regions]


def test_emails_phones_long_numbers_names_and_patterns_are_found_with_their_reasons() -> None:
    assert _found(TEXT, OPTIONS) == [
        ("name", "Ann Lee"),
        ("address", "ann.lee+work@example.co.uk"),
        ("number", "+44 20 7946 0958"),
        ("number", "4111 1111 1111 1111"),
        ("name", "Ann"),
        ("name", "Bob"),
        ("address", "10 Downing St"),
    ]


def test_short_numbers_stay_and_min_digits_and_kinds_are_honoured() -> None:
    assert _found("Room 12, code 123456, year 2024", {"track": "t"}) == [("number", "123456")]
    assert _found("Room 12, code 123456", {"track": "t", "min_digits": 2}) == [("number", "12"), ("number", "123456")]
    assert _found("mail a@b.io, 1234567", {"track": "t", "kinds": ["email"]}) == [("address", "a@b.io")]


def test_names_are_whole_words_only() -> None:
    assert _found("Annabel and Ann.", {"track": "t", "names": ["Ann"]}) == [("name", "Ann")]


def test_regions_are_numbered_spans_on_the_track() -> None:
    [result] = pii.run([{"text": "x a@b.io y 5551234567"}], device="cpu", options={"track": "redact"})
    assert result.regions == [
        {"label": "address", "start_char": 2, "end_char": 8, "score": 0.9, "track": "redact", "id": "pii-1"},
        {"label": "number", "start_char": 11, "end_char": 21, "score": 0.9, "track": "redact", "id": "pii-2"},
    ]


def test_bad_options_fail_every_item_with_the_reason() -> None:
    results = pii.run([{"text": "a"}, {"text": "b"}], device="cpu", options={"track": "t", "patterns": ["("]})
    assert [r.error for r in results] == [
        "ValueError: option 'patterns[0]' is not a valid regular expression: missing ), unterminated subpattern "
        "at position 0"] * 2
    [res] = pii.run([{"text": "a"}], device="cpu", options={"track": "t", "kinds": ["ssn"]})
    assert res.error == "ValueError: option 'kinds' must be a list of email, phone, number, name"
    [none] = pii.run([{}], device="cpu", options={"track": "t"})
    assert none.error == "ValueError: the item has no text"
