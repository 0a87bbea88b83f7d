"""Who may demote or remove a manager: the project's creator or a superuser, never a co-manager."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from annotation.models import Membership, Project
from annotation.services.projects import member_remove, member_set
from common.errors import Forbidden

pytestmark = pytest.mark.django_db


@pytest.fixture
def co_manager(project: Project, manager: User) -> User:
    user = User.objects.create_user(username="co_manager", password="co_manager-pass-123")
    member_set(project=project, user=manager, member=user, role="manager")
    return user


@pytest.fixture
def admin(db: None) -> User:
    return User.objects.create_superuser(username="admin", password="admin-pass-123")


def _role(project: Project, user: User) -> str | None:
    return Membership.objects.filter(project=project, user=user).values_list("role", flat=True).first()


def test_a_co_manager_cannot_demote_or_remove_the_creator(project: Project, manager: User, co_manager: User) -> None:
    with pytest.raises(Forbidden, match="Only the project's creator or a superuser"):
        member_set(project=project, user=co_manager, member=manager, role="annotator")
    with pytest.raises(Forbidden):
        member_remove(project=project, user=co_manager, member=manager)
    assert _role(project, manager) == "manager"


def test_a_co_manager_cannot_demote_another_co_manager_but_the_creator_can(
        project: Project, manager: User, co_manager: User) -> None:
    third = User.objects.create_user(username="third", password="third-pass-123")
    member_set(project=project, user=co_manager, member=third, role="manager")  # promoting is open to managers
    with pytest.raises(Forbidden):
        member_set(project=project, user=co_manager, member=third, role="reviewer")
    assert _role(project, third) == "manager"
    member_set(project=project, user=manager, member=third, role="reviewer")
    assert _role(project, third) == "reviewer"


def test_a_co_manager_cannot_demote_a_superuser_member(project: Project, manager: User, co_manager: User,
                                                       admin: User) -> None:
    member_set(project=project, user=manager, member=admin, role="manager")
    with pytest.raises(Forbidden):
        member_set(project=project, user=co_manager, member=admin, role="annotator")
    with pytest.raises(Forbidden):
        member_remove(project=project, user=co_manager, member=admin)
    assert _role(project, admin) == "manager"


def test_a_superuser_may_demote_or_remove_any_manager(project: Project, manager: User, co_manager: User,
                                                     admin: User) -> None:
    third = User.objects.create_user(username="third", password="third-pass-123")
    member_set(project=project, user=manager, member=third, role="manager")
    member_set(project=project, user=admin, member=manager, role="reviewer")
    member_remove(project=project, user=admin, member=co_manager)
    assert (_role(project, manager), _role(project, co_manager), _role(project, third)) == ("reviewer", None, "manager")


def test_a_manager_may_still_step_down_and_manage_everyone_else(
        project: Project, co_manager: User, reviewer: User, annotator_a: User) -> None:
    member_set(project=project, user=co_manager, member=reviewer, role="annotator")
    member_remove(project=project, user=co_manager, member=annotator_a)
    member_set(project=project, user=co_manager, member=co_manager, role="reviewer")
    assert (_role(project, reviewer), _role(project, annotator_a), _role(project, co_manager)) == (
        "annotator", None, "reviewer")


def test_the_api_answers_403_and_changes_nothing(project: Project, manager: User, co_manager: User,
                                                 client_for: Any) -> None:
    client = client_for(co_manager)
    demoted = client.post(f"/api/projects/{project.pk}/members/", {"username": "manager", "role": "annotator"},
                          format="json")
    removed = client.delete(f"/api/projects/{project.pk}/members/", {"username": "manager"}, format="json")
    assert (demoted.status_code, removed.status_code) == (403, 403)
    assert demoted.json()["detail"] == ("Only the project's creator or a superuser may demote or remove another "
                                        "manager or a superuser.")
    assert _role(project, manager) == "manager"
