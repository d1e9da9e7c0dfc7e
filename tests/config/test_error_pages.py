"""Humane error pages (issue 12): bilingual, no debug output for a customer, the customer page's layout
under /n/."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, RequestFactory
from django.urls import path

from config import errors
from config.urls import urlpatterns as project_urls

pytestmark = pytest.mark.django_db


def _boom(request: Any) -> Any:
    raise RuntimeError("secret detail: DATABASE_PASSWORD=hunter2")


def _denied(request: Any) -> Any:
    raise PermissionDenied


def _bad(request: Any) -> Any:
    raise SuspiciousOperation("bad host header")


urlpatterns = [
    path("n/boom/", _boom),
    path("boom/", _boom),
    path("denied/", _denied),
    path("n/bad/", _bad),
    *project_urls,
]
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"


@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_every_error_page_is_bilingual_and_names_the_lender(status: int) -> None:
    response = errors.error_page(RequestFactory().get("/somewhere/"), status)

    html = response.content.decode()
    assert response.status_code == status
    en_title, zh_title, _en, _zh = errors.TEXTS[status]
    assert en_title in html and zh_title in html
    assert 'lang="zh-Hans"' in html


def test_a_missing_page_in_production_is_the_humane_404_not_a_bare_not_found(client: Client) -> None:
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()
    assert "找不到该页面" in response.content.decode()


def test_under_n_the_error_keeps_the_customer_pages_layout(client: Client) -> None:
    response = client.get("/n/not-a-token/extra/nothing/")

    html = response.content.decode()
    assert response.status_code == 404
    assert 'class="lender"' in html  # negotiation/base.html's header
    assert "找不到该页面" in html


@pytest.mark.urls("tests.config.test_error_pages")
def test_a_server_error_shows_no_detail(settings: Any) -> None:
    client = Client(raise_request_exception=False)

    response = client.get("/n/boom/")

    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html and "hunter2" not in html


@pytest.mark.urls("tests.config.test_error_pages")
@pytest.mark.parametrize(("url", "status"), [("/n/bad/", 400), ("/denied/", 403), ("/n/missing/x/y/", 404)])
def test_with_debug_on_a_customer_never_sees_the_debug_page(settings: Any, url: str, status: int) -> None:
    settings.DEBUG = True
    client = Client(raise_request_exception=False)

    response = client.get(url)

    html = response.content.decode()
    assert response.status_code == status
    assert "DEBUG = True" not in html and "Traceback" not in html and "urlpatterns" not in html.lower()
    assert errors.TEXTS[status][1] in html


@pytest.mark.urls("tests.config.test_error_pages")
def test_with_debug_on_a_server_error_is_humane_for_a_customer(settings: Any) -> None:
    settings.DEBUG = True
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    html = response.content.decode()
    assert response.status_code == 500
    assert "hunter2" not in html and "Something went wrong on our side" in html
