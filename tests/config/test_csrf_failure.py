"""A post without its CSRF token gets a neutral, bilingual page that names nothing but the lender."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_post_without_its_token_gets_the_neutral_expired_page() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "x"})
    html = response.content.decode()
    assert response.status_code == 403
    assert settings.LENDER_NAME in html
    assert "页面已过期" in html
    assert "CSRF" not in html
