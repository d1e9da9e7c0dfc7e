"""The contact API: calls and notices through the gate; blocks are 422 JSON with rule ids and a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ContactPoint, User
from debt_collections.models import AuditEvent, CaseState, CollectionCase, ContactAttempt
from notifications.channels import InMemorySmsBackend
from notifications.models import Notice
from tests.audit_support import audit_events
from tests.factories import PhoneFactory, make_case

pytestmark = pytest.mark.django_db

# 12:00 in Shanghai, where the factories' customers live: inside the CN contact window.
NOON_SHANGHAI = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _in_memory_sms(sms_outbox: list[Any]) -> None:
    """SMS to the in-memory provider for every test here."""


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def attempts_url(case: CollectionCase) -> str:
    return reverse("api:case-contact-attempts", kwargs={"id": case.pk})


def notices_url(case: CollectionCase) -> str:
    return reverse("api:case-notices", kwargs={"id": case.pk})


@pytest.fixture
def case_with_phone() -> tuple[CollectionCase, ContactPoint]:
    case = make_case(CaseState.ACTIVE)
    phone = PhoneFactory.create(customer=case.customer)
    return case, phone


def test_an_allowed_call_is_201_with_the_stored_decision(agent: User, case_with_phone: tuple) -> None:
    case, phone = case_with_phone
    with time_machine.travel(NOON_SHANGHAI, tick=False):
        response = api(agent).post(
            attempts_url(case),
            {"contact_point": phone.pk, "connected": True, "outcome": "no_answer"},
            format="json",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["allowed"] is True and body["blocked_by"] == [] and body["policy_version"] == "CN-2026.1"
    assert AuditEvent.objects.filter(case=case, action="contact.attempt").count() == 1


def test_a_call_at_night_is_422_naming_the_rule_and_the_next_allowed_time(
    agent: User, case_with_phone: tuple
) -> None:
    case, phone = case_with_phone
    night = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
    with time_machine.travel(night, tick=False):
        response = api(agent).post(attempts_url(case), {"contact_point": phone.pk}, format="json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "compliance_blocked"
    assert body["blocked_by"] == ["HOURS"]
    assert body["next_allowed_at"] == "2026-03-11T00:00:00+00:00"  # 08:00 the next morning in Shanghai
    stored = ContactAttempt.objects.get(case=case)
    assert stored.allowed is False and stored.blocked_by == ["HOURS"]
    assert AuditEvent.objects.filter(case=case, action="contact.blocked").count() == 1


def test_outbound_sms_cannot_be_logged_by_hand(agent: User, case_with_phone: tuple) -> None:
    case, phone = case_with_phone
    response = api(agent).post(
        attempts_url(case), {"contact_point": phone.pk, "channel": "sms"}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "use_notices"


def test_unknown_contact_point_is_404(agent: User, case_with_phone: tuple) -> None:
    case, _phone = case_with_phone
    response = api(agent).post(attempts_url(case), {"contact_point": 999999}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_notice_is_202_and_sent_after_commit(
    agent: User, case_with_phone: tuple, django_capture_on_commit_callbacks: object
) -> None:
    case, phone = case_with_phone
    with time_machine.travel(NOON_SHANGHAI, tick=False), django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = api(agent).post(
            notices_url(case), {"template": "reminder.soft", "contact_point": phone.pk}, format="json"
        )
    assert response.status_code == 202, response.json()
    notice = Notice.objects.get(case=case)
    assert notice.status == Notice.Status.SENT
    assert len(InMemorySmsBackend.outbox) == 1
    assert InMemorySmsBackend.outbox[0].to == str(phone.phone)


def test_queuing_the_same_notice_twice_returns_one_notice(agent: User, case_with_phone: tuple) -> None:
    case, phone = case_with_phone
    client = api(agent)
    with time_machine.travel(NOON_SHANGHAI, tick=False):
        first = client.post(
            notices_url(case), {"template": "reminder.soft", "contact_point": phone.pk}, format="json"
        )
        second = client.post(
            notices_url(case), {"template": "reminder.soft", "contact_point": phone.pk}, format="json"
        )
    assert first.json()["id"] == second.json()["id"]
    assert Notice.objects.filter(case=case).count() == 1


def test_debt_notice_to_an_unverified_number_is_422_disclosure(agent: User) -> None:
    case = make_case(CaseState.ACTIVE)
    phone = PhoneFactory.create(
        customer=case.customer, status=ContactPoint.Status.UNVERIFIED, verified_at=None
    )
    with time_machine.travel(NOON_SHANGHAI, tick=False):
        response = api(agent).post(
            notices_url(case), {"template": "reminder.soft", "contact_point": phone.pk}, format="json"
        )
    assert response.status_code == 422
    assert "DISCLOSURE" in response.json()["blocked_by"]
    assert Notice.objects.get(case=case).status == Notice.Status.BLOCKED
    assert InMemorySmsBackend.outbox == []


def test_compliance_officer_cannot_log_calls(compliance: User, case_with_phone: tuple) -> None:
    case, phone = case_with_phone
    with time_machine.travel(NOON_SHANGHAI, tick=False):
        response = api(compliance).post(attempts_url(case), {"contact_point": phone.pk}, format="json")
    assert response.status_code == 403
    assert not ContactAttempt.objects.filter(case=case).exists()


def test_other_agency_agent_gets_404_on_contacts(other_agency_agent: User, case_with_phone: tuple) -> None:
    case, phone = case_with_phone
    response = api(other_agency_agent).get(attempts_url(case))
    assert response.status_code == 404


def test_attempt_list_shows_blocked_ones_too(agent: User, case_with_phone: tuple) -> None:
    case, phone = case_with_phone
    client = api(agent)
    with time_machine.travel(NOON_SHANGHAI + timedelta(hours=10), tick=False):  # 22:00 local
        client.post(attempts_url(case), {"contact_point": phone.pk}, format="json")
    listed = client.get(attempts_url(case)).json()["results"]
    assert [a["allowed"] for a in listed] == [False]


# --- honest retries (issue 12 item 3) and service-only keys (item 2) ----------------------------------------

BEFORE_HOURS = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)  # 07:30 on 10 March in Shanghai: before 08:00


def post_reminder(client: APIClient, case: CollectionCase, phone: ContactPoint, at: datetime) -> Any:
    with time_machine.travel(at, tick=False):
        return client.post(
            notices_url(case), {"template": "reminder.soft", "contact_point": phone.pk}, format="json"
        )


def test_asking_again_after_a_block_queues_a_new_attempt_linked_to_the_blocked_one(
    agent: User, case_with_phone: tuple, django_capture_on_commit_callbacks: Any
) -> None:
    case, phone = case_with_phone
    client = api(agent)
    # Given a reminder refused at 07:30 for HOURS (next allowed 08:00)
    refused = post_reminder(client, case, phone, BEFORE_HOURS)
    assert refused.status_code == 422 and refused.json()["blocked_by"] == ["HOURS"]
    blocked = Notice.objects.get(case=case)

    # When the agent asks again at 12:00 the same day
    with time_machine.travel(NOON_SHANGHAI, tick=False), django_capture_on_commit_callbacks(execute=True):
        again = post_reminder(client, case, phone, NOON_SHANGHAI)

    # Then the gate decided again: a second attempt, its own row and decision, was queued and sent
    assert again.status_code == 202, again.json()
    body = again.json()
    assert body["id"] != blocked.pk and body["attempt"] == 2 and body["retry_of"] == blocked.pk
    retry = Notice.objects.get(pk=body["id"])
    assert retry.status == Notice.Status.SENT and retry.decision["allowed"] is True
    assert retry.idempotency_key == f"{blocked.idempotency_key}#2"
    assert Notice.objects.get(pk=blocked.pk).status == Notice.Status.BLOCKED  # the first stays on record
    assert len(InMemorySmsBackend.outbox) == 1
    [queued] = audit_events(action="notice.queued", payload={"notice": retry.pk})
    assert queued.payload["attempt"] == 2 and queued.payload["retry_of"] == blocked.pk
    # And asking a third time returns the attempt that went out, sending nothing twice
    third = post_reminder(client, case, phone, NOON_SHANGHAI + timedelta(minutes=5))
    assert third.status_code == 202 and third.json()["id"] == retry.pk
    assert Notice.objects.filter(case=case).count() == 2


def test_asking_again_while_still_blocked_is_422_with_the_current_rule_and_time_never_202(
    agent: User, case_with_phone: tuple
) -> None:
    case, phone = case_with_phone
    client = api(agent)
    post_reminder(client, case, phone, BEFORE_HOURS)

    again = post_reminder(client, case, phone, BEFORE_HOURS + timedelta(minutes=20))  # 07:50

    assert again.status_code == 422
    body = again.json()
    assert body["blocked_by"] == ["HOURS"]
    assert body["next_allowed_at"] == "2026-03-10T00:00:00+00:00"  # 08:00 in Shanghai
    first, second = Notice.objects.filter(case=case).order_by("attempt")
    assert (first.attempt, second.attempt) == (1, 2) and second.retry_of == first
    assert second.status == Notice.Status.BLOCKED  # its own decision, on the record
    assert InMemorySmsBackend.outbox == []


def test_the_api_refuses_service_only_keys_with_a_clear_422(agent: User, case_with_phone: tuple) -> None:
    case, phone = case_with_phone
    for key in ("credit_limit.notice", "dispute.outcome", "plan.confirmation", "plan.offer"):
        with time_machine.travel(NOON_SHANGHAI, tick=False):
            response = api(agent).post(notices_url(case), {"template": key, "contact_point": phone.pk},
                                       format="json")
        assert response.status_code == 422, key
        assert response.json()["code"] == "service_only_template"
        assert key in response.json()["detail"]
    assert not Notice.objects.filter(case=case).exists()
    assert InMemorySmsBackend.outbox == []
