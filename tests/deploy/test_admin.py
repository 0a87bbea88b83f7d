"""Django admin works for superusers on every registered model, and the audit log cannot be edited."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client

from common.audit import audit
from common.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_every_admin_page_opens_for_a_superuser(project: Any, make_items: Any) -> None:
    make_items(project, 1)
    root = User.objects.create_superuser("root", password="root-pass-123")
    audit(root, "project.update", project, project_id=project.pk)
    client = Client()
    client.force_login(root)
    for model in admin.site._registry:
        meta = model._meta
        url = f"/admin/{meta.app_label}/{meta.model_name}/"
        assert client.get(url).status_code == 200, url
        first = model._default_manager.first()
        if first is not None:
            assert client.get(f"{url}{first.pk}/change/").status_code == 200, url
    event = AuditEvent.objects.get(action="project.update")
    assert client.post(f"/admin/common/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
