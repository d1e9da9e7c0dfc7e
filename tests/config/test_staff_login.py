"""After logging in, a compliance officer lands on the workspace; everyone else on the admin index."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"  # tests.factories.UserFactory's password


def login(user: User, next_url: str | None = None) -> Any:
    data = {"username": user.username, "password": PASSWORD}
    if next_url is not None:
        data["next"] = next_url
    return Client().post("/admin/login/", data)


@pytest.mark.parametrize("next_url", [None, "/admin/"])  # the login form posts next=/admin/ by default
def test_compliance_officer_lands_on_the_workspace(compliance: User, next_url: str | None) -> None:
    response = login(compliance, next_url)
    assert response.status_code == 302
    assert response["Location"] == "/compliance/"


def test_compliance_officer_who_asked_for_a_page_gets_that_page(compliance: User) -> None:
    response = login(compliance, "/admin/collections/collectioncase/")
    assert response["Location"] == "/admin/collections/collectioncase/"


def test_agent_lands_on_the_admin_index(agent: User) -> None:
    response = login(agent)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_a_wrong_password_shows_the_form_again(compliance: User) -> None:
    response = Client().post("/admin/login/", {"username": compliance.username, "password": "wrong"})
    assert response.status_code == 200
    assert "compliance" not in response.get("Location", "")
