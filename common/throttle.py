"""Login limits shared by the token endpoint, the browser login and the admin login.

Who is counted:

- **The address** is the connecting peer (``REMOTE_ADDR``). ``X-Forwarded-For`` is believed only
  when the peer is one of ``TANDEM_TRUSTED_PROXIES``; then the chain is walked from the right,
  skipping trusted proxies, and the first address that is not one is the client. Whatever a
  client writes on the left of that point is never read, so a forged header changes nothing.
- **The user name** is normalized the way Django's authentication compares it: surrounding space
  stripped and Unicode NFKC (``User.normalize_username``, what the login form's ``UsernameField``
  does), with case kept because ``ModelBackend`` looks users up case-sensitively. ``ａnn2``
  (full-width a) therefore counts as ``ann2``, the account it would log in as.

The lock (django-axes' "lock by combination of user and address", plus a user-wide ceiling):

- ``TANDEM_LOGIN_FAILURES`` failures for one user from one address lock that pair for
  ``TANDEM_LOGIN_WINDOW`` seconds. The same user from another address is not affected.
- ``TANDEM_LOGIN_USER_FAILURES`` failures for one user from all addresses together lock the user
  everywhere for the window (a distributed guess). Attempts refused by a lock are not counted, so
  one address adds at most ``TANDEM_LOGIN_FAILURES`` to the user's count per window and cannot
  reach the ceiling alone: a lock of a user never depends on one address.
- A success clears that pair's count only; the user-wide count runs out with its window, so a
  distributed guess cannot be reset by the owner logging in.

Counters live in the shared cache (Redis in production) so every web process sees every attempt.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as exc:
        raise ImproperlyConfigured(f"TANDEM_TRUSTED_PROXIES: {exc}") from None


def _is_trusted(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(request: HttpRequest) -> str:
    """The client's address: the peer, or the nearest untrusted hop that trusted proxies reported."""
    peer = str(request.META.get("REMOTE_ADDR") or "")
    networks = _networks(tuple(settings.TANDEM_TRUSTED_PROXIES))
    if not networks or not _is_trusted(peer, networks):
        return peer
    chain = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    current = peer
    for hop in reversed(chain):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            # Not an address: whoever wrote it is not to be believed, and the trusted proxy on its
            # right is the last hop we know.
            return current
        if not _is_trusted(hop, networks):
            return hop
        current = hop
    return current


def normalize_username(raw: object) -> str:
    """The name the authentication backend would look up for this input (see the module docstring)."""
    value = str(raw or "").strip()
    return str(get_user_model().normalize_username(value))


def _digest(username: str) -> str:
    # Keys of a bounded length whatever the input, with no characters a cache backend rejects.
    return hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _pair_key(request: HttpRequest, username: str) -> str:
    return f"login-failures:pair:{_digest(username)}:{client_address(request)}"


def _user_key(username: str) -> str:
    return f"login-failures:user:{_digest(username)}"


def locked(request: HttpRequest, raw_username: object) -> bool:
    """Whether an attempt for this user name from this client is refused now (checked before authenticating)."""
    username = normalize_username(raw_username)
    pair, user = _pair_key(request, username), _user_key(username)
    counts = cache.get_many([pair, user])
    return (counts.get(pair, 0) >= settings.TANDEM_LOGIN_FAILURES
            or counts.get(user, 0) >= settings.TANDEM_LOGIN_USER_FAILURES)


def _bump(key: str) -> None:
    window = settings.TANDEM_LOGIN_WINDOW
    cache.add(key, 0, window)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)


def record_failure(request: HttpRequest, raw_username: object) -> None:
    username = normalize_username(raw_username)
    _bump(_pair_key(request, username))
    _bump(_user_key(username))


def record_success(request: HttpRequest, raw_username: object) -> None:
    cache.delete(_pair_key(request, normalize_username(raw_username)))


def retry_after() -> int:
    """Seconds a refused client is told to wait (the whole window: counts are not timed per attempt)."""
    return int(settings.TANDEM_LOGIN_WINDOW)
