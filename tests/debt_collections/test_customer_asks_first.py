# ruff: noqa: F811  (the fixtures come from test_customer_page and are requested by name)
"""A page that asks before it commits (issue 12): the review step, named local times, "not me" asks for
confirmation, a new link from an expired page, the opt-out section without a contact point, the
date-of-birth field in its hint's format, and a reload of /verify/."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from accounts.models import ContactPoint, QuarantinedContact
from debt_collections import services
from debt_collections.models import AuditEvent, CollectionCase, NegotiationLink, RepaymentPlan
from notifications.models import Notice
from notifications.services import templates_install_library
from tests.debt_collections.test_customer_page import (  # noqa: F401  (fixtures)
    NOW,
    _clock,
    case,
    client,
    link,
    phone,
    token,
    url,
    verify,
)
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _templates() -> None:
    templates_install_library()


# --- the review step ---------------------------------------------------------------------------------


def test_choosing_an_option_shows_a_review_and_agrees_to_nothing(client: Client, token: str) -> None:
    verify(client, token)

    response = client.get(url(token, "review") + "?option=installment:6")

    html = response.content.decode()
    assert response.status_code == 200
    assert "确认前请核对" in html or "Check before you confirm" in html
    assert html.count("1,536.23") >= 6  # every payment of the schedule
    assert "9,217.38" in html  # the total
    assert "2026年3月16日 12:00（CST）" in html  # the end of cooling-off, in the customer's zone, named
    assert 'name="confirm" value="yes"' in html
    assert not RepaymentPlan.objects.exists()


def test_an_accept_without_the_review_goes_to_the_review(client: Client, token: str) -> None:
    verify(client, token)

    response = client.post(url(token, "accept"), {"option": "installment:6"})

    assert response.status_code == 302
    assert response["Location"] == url(token, "review") + "?option=installment%3A6"
    assert not RepaymentPlan.objects.exists()


def test_confirming_on_the_review_accepts_and_names_the_zone(client: Client, token: str) -> None:
    verify(client, token)

    client.post(url(token, "accept"), {"option": "installment:6", "confirm": "yes"})

    assert RepaymentPlan.objects.get().months == 6
    html = client.get(url(token)).content.decode()
    assert "2026年3月16日 12:00（CST）" in html and "p.m.." not in html


def test_the_review_of_an_unknown_option_goes_back_with_a_plain_refusal(client: Client, token: str) -> None:
    verify(client, token)

    response = client.get(url(token, "review") + "?option=installment:7")

    assert response.status_code == 302 and response["Location"].endswith("#status")


def test_the_review_needs_a_verified_session(client: Client, token: str) -> None:
    response = client.get(url(token, "review") + "?option=installment:6")

    assert response.status_code == 302 and response["Location"] == url(token)


# --- "this is not me" asks first ---------------------------------------------------------------------


def test_not_me_asks_for_confirmation_and_quarantines_nothing_until_confirmed(
    client: Client, phone: ContactPoint, token: str
) -> None:
    asked = client.post(url(token, "not-me"))

    html = asked.content.decode()
    assert asked.status_code == 200
    assert 'name="confirmed" value="yes"' in html
    phone.refresh_from_db()
    assert phone.status == ContactPoint.Status.VERIFIED
    assert not QuarantinedContact.objects.exists()

    client.post(url(token, "not-me"), {"confirmed": "yes"})

    phone.refresh_from_db()
    assert phone.status == ContactPoint.Status.WRONG_PARTY


# --- small things ---------------------------------------------------------------------------------------


def test_reloading_verify_shows_the_page_not_a_blank(client: Client, token: str) -> None:
    response = client.get(url(token, "verify"), follow=True)

    assert response.status_code == 200
    assert 'name="national_id_last4"' in response.content.decode()


def test_the_date_of_birth_field_uses_the_format_of_its_hint(client: Client, token: str) -> None:
    html = client.get(url(token)).content.decode()

    field = html.split('name="date_of_birth"', 1)[1].split(">", 1)[0]
    assert 'type="date"' not in field and 'placeholder="1990-01-31"' in field
    assert "1990-01-31" in html


def test_a_link_made_without_a_contact_point_still_offers_the_opt_out(
    client: Client, case: CollectionCase, phone: ContactPoint
) -> None:
    bare, _url = services.link_create(case_id=case.pk, actor=SYSTEM, now=NOW)
    bare_token = services.link_token(bare)
    verify(client, bare_token)

    html = client.get(url(bare_token)).content.decode()
    assert 'id="optout"' in html and f'value="{phone.pk}:sms"' in html

    client.post(url(bare_token, "opt-out"), {"optout-channel": f"{phone.pk}:sms"})
    phone.refresh_from_db()
    assert phone.opted_out_channels == ["sms"]


# --- a new link from an expired page -------------------------------------------------------------------


def _expire(link: NegotiationLink) -> None:
    NegotiationLink.objects.filter(pk=link.pk).update(expires_at=NOW - timedelta(minutes=1))


def test_an_expired_link_sends_a_new_one_to_the_verified_point_through_the_gate(
    client: Client, link: NegotiationLink, phone: ContactPoint, token: str, time_machine: Any
) -> None:
    _expire(link)
    page = client.get(url(token)).content.decode()
    assert f'action="/n/{token}/new-link/"' in page

    response = client.post(url(token, "new-link"))

    assert response.status_code == 200
    notice = Notice.objects.get(template__key="contact.prompt")
    assert notice.contact_point_id == phone.pk and notice.status != Notice.Status.BLOCKED
    assert notice.template.limited_content
    assert AuditEvent.objects.filter(action="link.new_link_requested").count() == 1
    # Asking again the same day gives the same notice: the page cannot flood a number.
    client.post(url(token, "new-link"))
    assert Notice.objects.filter(template__key="contact.prompt").count() == 1


def test_a_new_link_outside_the_contact_hours_is_refused_with_when(
    client: Client, link: NegotiationLink, token: str, time_machine: Any
) -> None:
    _expire(link)
    time_machine.move_to(NOW + timedelta(hours=14), tick=False)  # 02:00 in Shanghai

    html = client.post(url(token, "new-link")).content.decode()

    assert Notice.objects.get(template__key="contact.prompt").status == Notice.Status.BLOCKED
    assert "08:00" in html


def test_no_new_link_without_a_verified_point(
    client: Client, link: NegotiationLink, phone: ContactPoint, token: str
) -> None:
    _expire(link)
    ContactPoint.objects.filter(pk=phone.pk).update(status=ContactPoint.Status.UNVERIFIED)

    client.post(url(token, "new-link"))

    assert not Notice.objects.filter(template__key="contact.prompt").exists()
    assert AuditEvent.objects.filter(action="link.new_link_refused").exists()
