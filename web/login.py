"""Browser and admin login, both limited by the shared login throttle (common/throttle.py).

The check sits in the forms' ``clean()``, after the ``UsernameField`` has normalized the name and
right before ``authenticate()``, so the name that is counted is the one that would log in.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse

from common import throttle

LOCKED_MESSAGE = "Too many failed attempts. Try again in a few minutes."


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses a locked user name before authenticating; counts each failed authentication."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username is None or self.request is None:
            return super().clean()  # the field was refused: nothing is authenticated
        if throttle.locked(self.request, username):
            raise ValidationError(LOCKED_MESSAGE, code="locked")
        try:
            cleaned = super().clean()
        except ValidationError:
            throttle.record_failure(self.request, username)
            raise
        if self.get_user() is not None:
            throttle.record_success(self.request, username)
        return cleaned


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    pass


def is_locked_out(form: Form) -> bool:
    return form.has_error(NON_FIELD_ERRORS, "locked")


class ThrottledLoginView(LoginView):
    template_name = "web/login.html"
    authentication_form = ThrottledAuthenticationForm

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        if not is_locked_out(form):
            return super().form_invalid(form)
        response = self.render_to_response(self.get_context_data(form=form, locked=True))
        response.status_code = 429
        response["Retry-After"] = str(throttle.retry_after())
        return response


class TandemAdminSite(AdminSite):
    """The default admin site with the login throttle: same counters, same 429 as the other logins."""

    login_form = ThrottledAdminAuthenticationForm

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if request.method == "POST" and isinstance(form, Form) and is_locked_out(form):
            response.status_code = 429
            response["Retry-After"] = str(throttle.retry_after())
        return response
