"""The work queue follows a number's quarantine both ways (issue 14): a wrong-party report makes the
stored "may be called now" say no for every file with the number, and a restore for the real customer
(the command, the case page's button, the service behind both) makes it say yes again. The restore is
for supervisors and compliance officers only, decided in the service, in scope, audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import ContactPoint, QuarantineRelease, User
from debt_collections import services
from debt_collections.errors import NotFound, NotPermitted
from debt_collections.kernel.audit import Actor
from debt_collections.models import AuditEvent, CollectionCase, QueueEntry
from debt_collections.services.quarantine_release import contact_quarantine_release_for_customer
from debt_collections.services.queue import queue_refresh
from tests.debt_collections.negotiation_support import NOW, case_with_phone, negotiation_env
from tests.factories import SYSTEM, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("negotiation_env")]
__all__ = ["negotiation_env"]

SOON = NOW + timedelta(minutes=5)


def callable_soon(case: CollectionCase) -> bool:
    return QueueEntry.objects.filter(QueueEntry.callable_at(SOON), case=case).exists()


def quarantined_case(capture: Any) -> tuple[CollectionCase, ContactPoint]:
    case, phone = case_with_phone()
    queue_refresh(case_ids=[case.pk], now=NOW)
    assert callable_soon(case)
    with capture(execute=True):
        services.contact_report_wrong_party(contact_point_id=phone.pk, actor=SYSTEM, now=NOW)
    return case, phone


def test_a_wrong_party_report_stops_the_queue_offering_the_call(
    django_capture_on_commit_callbacks: Any,
) -> None:
    case, _phone = quarantined_case(django_capture_on_commit_callbacks)
    assert not callable_soon(case)


def test_restoring_through_the_command_makes_the_queue_offer_the_call_again(
    supervisor: User, django_capture_on_commit_callbacks: Any
) -> None:
    case, phone = quarantined_case(django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "restore_wrong_party",
            str(phone.pk),
            by=supervisor.username,
            verified_via="branch",
            reason="mistake",
        )

    assert callable_soon(case)


def test_a_compliance_officer_restores_from_the_case_page(
    client_for: Any, compliance: User, django_capture_on_commit_callbacks: Any
) -> None:
    case, phone = quarantined_case(django_capture_on_commit_callbacks)
    client = client_for(compliance)
    page = client.get(reverse("admin:collections_collectioncase_change", args=[case.pk]))
    assert page.context["restore_form"] is not None

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:collections_collectioncase_restore_number", args=[case.pk]),
            {
                "contact_point": phone.pk,
                "verified_via": "call to the contract number",
                "reason": "pressed by mistake",
            },
        )

    assert response.status_code == 302
    phone.refresh_from_db()
    assert phone.status == ContactPoint.Status.VERIFIED
    event = AuditEvent.objects.get(action="contact.quarantine_released_for_customer")
    assert event.actor == Actor.for_user(compliance).label
    assert callable_soon(case)


def test_an_agent_gets_no_button_and_a_post_is_refused_and_changes_nothing(
    client_for: Any, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    case, phone = quarantined_case(django_capture_on_commit_callbacks)
    client = client_for(agent)
    page = client.get(reverse("admin:collections_collectioncase_change", args=[case.pk]))
    assert "restore_form" not in page.context

    response = client.post(
        reverse("admin:collections_collectioncase_restore_number", args=[case.pk]),
        {"contact_point": phone.pk, "verified_via": "x", "reason": "y"},
    )

    assert response.status_code == 403
    assert not QuarantineRelease.objects.exists()


def test_the_service_checks_the_role_first_and_the_scope(
    agent: User, agency: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _case, phone = quarantined_case(django_capture_on_commit_callbacks)
    # an agent is refused before the (empty) verification is even looked at
    with pytest.raises(NotPermitted):
        contact_quarantine_release_for_customer(
            contact_point_id=phone.pk, actor=Actor.for_user(agent), verified_via="", reason="", now=NOW
        )
    # a supervisor of an agency that does not hold the customer's case cannot find the number
    agency_boss = UserFactory.create(username="agency_boss", agency=agency, roles=["supervisor"])
    with pytest.raises(NotFound):
        contact_quarantine_release_for_customer(
            contact_point_id=phone.pk,
            actor=Actor.for_user(agency_boss),
            verified_via="v",
            reason="r",
            now=NOW,
        )
    assert not QuarantineRelease.objects.exists()
