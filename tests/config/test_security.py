"""Brute force stopped everywhere, whatever X-Forwarded-For says; browser hardening; bad input is a 400;
personal data out of logs (issue 11)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role, User
from config.security import client_ip, rate_hit
from debt_collections import services
from debt_collections.models import NegotiationLink
from tests.factories import SYSTEM, PhoneFactory, UserFactory, make_case

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-123"


@pytest.fixture
def staff() -> User:
    return UserFactory.create(username="staffer", roles=[Role.AGENT])


def admin_login(client: Client, username: str, password: str, xff: str = "") -> Any:
    extra: dict[str, Any] = {"HTTP_X_FORWARDED_FOR": xff} if xff else {}
    return client.post(reverse("staff-login"), {"username": username, "password": password}, **extra)


# --- the client address --------------------------------------------------------------------------


class _Req:
    def __init__(self, remote: str, xff: str = "") -> None:
        self.META = {"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": xff}


def test_the_client_address_is_remote_addr_unless_proxies_are_trusted(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_Req("10.0.0.9", "1.2.3.4")) == "10.0.0.9"
    settings.TRUSTED_PROXY_COUNT = 1
    # The nearest proxy appended what it saw; anything the client wrote before that is ignored.
    assert client_ip(_Req("10.0.0.9", "6.6.6.6, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(_Req("10.0.0.9", "")) == "10.0.0.9"
    assert client_ip(_Req("10.0.0.9", "not-an-ip")) == "10.0.0.9"


def test_a_rate_counter_says_how_long_to_wait_once_over_its_limit() -> None:
    assert [rate_hit("t", "k", limit=2, window=60, now=120.0) for _ in range(2)] == [None, None]
    assert rate_hit("t", "k", limit=2, window=60, now=130.0) == 50
    assert rate_hit("t", "k", limit=2, window=60, now=181.0) is None  # a new window


# --- admin login ---------------------------------------------------------------------------------


def test_admin_login_locks_a_username_after_five_failures_however_xff_is_set(staff: User) -> None:
    client = Client()
    for n in range(5):
        admin_login(client, "staffer", "wrong", xff=f"198.51.100.{n}")

    right = admin_login(client, "staffer", PASSWORD, xff="198.51.100.99")

    assert right.status_code == 429
    assert int(right["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_admin_login_locks_an_address_trying_many_usernames(staff: User) -> None:
    for n in range(5):
        admin_login(Client(), f"guess{n}", "wrong", xff=f"192.0.2.{n}")

    response = admin_login(Client(), "staffer", PASSWORD)

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_a_right_password_before_the_limit_logs_in(staff: User) -> None:
    client = Client()
    for _ in range(3):
        admin_login(client, "staffer", "wrong")

    assert admin_login(client, "staffer", PASSWORD).status_code == 302


# --- the token endpoint --------------------------------------------------------------------------


def test_the_token_endpoint_is_throttled_per_address_whatever_xff_says(staff: User) -> None:
    client = APIClient()
    answers = [
        client.post(
            reverse("api:token"),
            {"username": f"nobody{n}", "password": "x"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
        for n in range(12)
    ]

    codes = [a.status_code for a in answers]
    assert 429 in codes and codes.index(429) <= 10
    throttled = answers[codes.index(429)]
    assert throttled.json()["code"] == "throttled" and int(throttled["Retry-After"]) > 0


def test_the_token_endpoint_locks_a_username_after_five_wrong_passwords(staff: User, settings: Any) -> None:
    settings.TOKEN_RATE = "1000/min"  # only the lockout is under test here
    client = APIClient()
    for n in range(5):
        client.post(
            reverse("api:token"),
            {"username": "staffer", "password": "wrong"},
            format="json",
            REMOTE_ADDR=f"192.0.2.{n}",
        )

    right = client.post(
        reverse("api:token"),
        {"username": "staffer", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="192.0.2.77",
    )

    assert right.status_code == 429
    assert right.json()["code"] == "throttled" and "token" not in right.json()


# --- the customer's page -------------------------------------------------------------------------


@pytest.fixture
def token() -> str:
    case = make_case()
    phone = PhoneFactory.create(customer=case.customer)
    _link, url = services.link_create(case_id=case.pk, actor=SYSTEM, contact_point_id=phone.pk)
    return url.rstrip("/").rsplit("/", 1)[1]


def test_identity_checks_are_limited_per_link_even_from_many_addresses(token: str, settings: Any) -> None:
    settings.CUSTOMER_VERIFY_RATE_PER_LINK = (3, 3600)
    url = reverse("negotiation:verify", kwargs={"token": token})
    codes = [
        Client()
        .post(url, {"national_id_last4": "0000", "date_of_birth": "1980-01-01"}, REMOTE_ADDR=f"192.0.2.{n}")
        .status_code
        for n in range(4)
    ]

    assert codes[-1] == 429 and 429 not in codes[:3]


def test_identity_checks_are_limited_per_address_across_links(token: str, settings: Any) -> None:
    settings.CUSTOMER_VERIFY_RATE_PER_IP = (2, 3600)
    url = reverse("negotiation:verify", kwargs={"token": token})
    client = Client()
    body = {"national_id_last4": "0000", "date_of_birth": "1980-01-01"}
    codes = [client.post(url, body, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)]

    assert codes[-1] == 429


def test_page_views_are_limited_per_address_whatever_xff_says(token: str, settings: Any) -> None:
    settings.CUSTOMER_PAGE_RATE = (5, 60)
    client = Client()
    url = reverse("negotiation:page", kwargs={"token": token})
    answers = [client.get(url, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}") for n in range(6)]

    assert [a.status_code for a in answers][:5] == [200] * 5
    assert answers[5].status_code == 429 and int(answers[5]["Retry-After"]) > 0
    assert NegotiationLink.objects.count() == 1


# --- browser hardening ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/", "/api/schema/", "/compliance/"])
def test_every_page_has_a_strict_content_security_policy(path: str) -> None:
    response = Client().get(path)
    policy = response["Content-Security-Policy"]

    assert (
        "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


def test_the_api_docs_load_their_assets_from_our_own_static_files(staff: User) -> None:
    html = Client().get("/api/docs/").content.decode()

    assert "cdn." not in html and "jsdelivr" not in html and "unpkg" not in html
    assert "/static/drf_spectacular_sidecar/" in html
    script = Client().get("/api/docs/?script=").content.decode()
    assert "SwaggerUIBundle" in script


# --- bad input -----------------------------------------------------------------------------------


def test_deeply_nested_json_is_a_400_not_a_500(staff: User) -> None:
    client = APIClient()
    client.force_authenticate(staff)
    response = client.post(reverse("api:payments"), data="[" * 100_000, content_type="application/json")
    token = APIClient().post(reverse("api:token"), data="[" * 100_000, content_type="application/json")

    assert token.status_code == 400 and token.json()["code"] == "parse_error"
    assert response.status_code in (400, 403)  # agents may not pay: refused before or at parsing


def test_a_body_over_the_size_limit_is_a_400(settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"username": "' + "a" * 2000 + '", "password": "x"}'
    response = APIClient().post(reverse("api:token"), data=body, content_type="application/json")

    assert response.status_code == 400


def test_lists_honour_page_size_up_to_the_maximum(staff: User) -> None:
    for _ in range(3):
        make_case()
    client = APIClient()
    client.force_authenticate(staff)

    two = client.get(reverse("api:case-list"), {"page_size": 2}).json()
    capped = client.get(reverse("api:case-list"), {"page_size": 100_000}).json()

    assert two["count"] == 3 and len(two["results"]) == 2 and two["next"]
    assert len(capped["results"]) == 3


# --- logs ----------------------------------------------------------------------------------------


def test_the_development_email_backend_logs_one_masked_line(settings: Any, caplog: Any) -> None:
    settings.EMAIL_BACKEND = "config.mail.MaskedConsoleEmailBackend"
    caplog.set_level(logging.INFO, logger="notifications.email")

    mail.EmailMessage(
        subject="Your balance", body="Pay here: https://x/n/abcdefgh1234:sig/", to=["wang.fang@example.com"]
    ).send()

    lines = [r.getMessage() for r in caplog.records if r.name == "notifications.email"]
    assert len(lines) == 1
    assert "w***@example.com" in lines[0]
    assert "wang.fang" not in lines[0] and "abcdefgh1234" not in lines[0] and "Pay here" not in lines[0]


def test_the_log_filter_masks_numbers_emails_ids_and_link_tokens() -> None:
    from config.logmask import MaskPersonalData

    record = logging.LogRecord(
        "x",
        logging.WARNING,
        __file__,
        1,
        "to %s %s %s %s",
        (
            "+8613800001234",
            "li@example.com",
            "11010119900101123X",
            "/o/eyJwIjoxLCJjIjoic21zIn0:1vzo:abcdEFGH/",
        ),
        None,
    )
    MaskPersonalData().filter(record)
    text = record.getMessage()

    assert "13800001234" not in text and "li@example.com" not in text and "0101123X" not in text
    assert "abcdEFGH/" not in text
