"""Which address a login attempt is counted under, and which user name."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from common.throttle import client_address, normalize_username


@pytest.mark.parametrize(("peer", "forwarded", "expected"), [
    ("203.0.113.9", "198.51.100.1", "203.0.113.9"),                # an untrusted peer: its header is ignored
    ("10.0.0.5", None, "10.0.0.5"),                                 # a trusted proxy that forwarded nothing
    ("10.0.0.5", "198.51.100.1", "198.51.100.1"),
    ("10.0.0.5", "1.2.3.4, 198.51.100.1", "198.51.100.1"),          # whatever the client wrote on the left is ignored
    ("10.0.0.5", "198.51.100.1, 10.9.9.9", "198.51.100.1"),         # two trusted hops
    ("10.0.0.5", "10.1.1.1, 10.9.9.9", "10.1.1.1"),                 # all trusted: the farthest one
    ("10.0.0.5", "198.51.100.1, not-an-ip", "10.0.0.5"),            # a garbled hop: stop at the last known one
    ("10.0.0.5", "2001:db8::7", "2001:db8::7"),
])
def test_the_client_address_walks_x_forwarded_for_from_the_right_past_trusted_proxies(
        settings: Any, peer: str, forwarded: str | None, expected: str) -> None:
    settings.TANDEM_TRUSTED_PROXIES = ["10.0.0.0/8"]
    extra = {"REMOTE_ADDR": peer} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})
    assert client_address(RequestFactory().post("/login/", **extra)) == expected


def test_with_no_trusted_proxies_the_peer_is_the_client(settings: Any) -> None:
    settings.TANDEM_TRUSTED_PROXIES = []
    request = RequestFactory().post("/login/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_address(request) == "10.0.0.5"


def test_user_names_are_counted_as_the_backend_looks_them_up() -> None:
    assert normalize_username(" ａnn2 ") == "ann2"   # full-width a: NFKC, as the login form does
    assert normalize_username("ﬀ") == "ff"
    assert normalize_username("Ann2") == "Ann2"      # case kept: ModelBackend matches it exactly
    assert normalize_username(None) == ""
