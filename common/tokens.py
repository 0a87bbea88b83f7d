"""API tokens: an optional lifetime, issuing, and signing a user out everywhere.

A token older than ``TANDEM_TOKEN_TTL_HOURS`` (0: tokens never expire) is refused by the
authentication class with 401; logging in again replaces it with a fresh one. DRF keeps one token
per user, so the token of a user is all of their API credentials; "sign out everywhere" also ends
their browser sessions.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from common.audit import audit
from common.prepared import PreparedQuery


def token_expired(token: Token, now: datetime | None = None) -> bool:
    hours = settings.TANDEM_TOKEN_TTL_HOURS
    if hours <= 0:
        return False
    return token.created <= (now or timezone.now()) - timedelta(hours=hours)


# The token with its user, compiled once: every API request runs it, and DRF's ORM lookup
# (select_related) cost several times more to build than to run.
_TOKEN_USER = PreparedQuery(lambda key: Token.objects.select_related("user").filter(key=key), key=str)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication (same checks, same answers) that also refuses a token past its lifetime."""

    def authenticate_credentials(self, key: str) -> tuple[AbstractBaseUser | AnonymousUser, Token]:
        token = _TOKEN_USER.first(key=key) if isinstance(key, str) else None
        if token is None:
            raise AuthenticationFailed("Invalid token.")
        user = token.user
        if not user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        if token_expired(token):
            raise AuthenticationFailed("Token has expired; log in again for a new one.")
        return user, token


@transaction.atomic
def token_issue(*, user: User) -> Token:
    """The user's token, replaced first when it has expired."""
    token, created = Token.objects.select_for_update().get_or_create(user=user)
    if not created and token_expired(token):
        token.delete()
        token = Token.objects.create(user=user)
    return token


def _end_sessions(user: User) -> int:
    """End every unexpired session of the user (database-backed sessions: one pass over them)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


def tokens_revoke_all(*, user: User) -> dict[str, int]:
    """Delete the user's API token and end all their browser sessions; returns how many of each."""
    tokens, _ = Token.objects.filter(user=user).delete()
    sessions = _end_sessions(user)
    audit(user, "auth.revoke_all", user, tokens=tokens, sessions=sessions)
    return {"tokens": tokens, "sessions": sessions}
