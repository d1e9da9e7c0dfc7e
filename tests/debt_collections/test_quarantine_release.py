"""A customer who said "not me" by mistake has a recorded way back, decided by staff, for them only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from accounts.models import ContactPoint, QuarantineRelease, User
from debt_collections import services
from debt_collections.errors import InvalidInput, NotPermitted
from debt_collections.kernel.audit import Actor
from debt_collections.models import AuditEvent, CaseState
from debt_collections.services.links import links_for_notices
from notifications.models import Notice
from notifications.services import notice_queue
from tests.factories import SYSTEM, CreditAccountFactory, PhoneFactory, make_case
from tests.notifications.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)

NUMBER = "+8613955550000"


def _case_with(phone: str) -> tuple[Any, ContactPoint]:
    point = PhoneFactory.create(phone=phone)
    return make_case(CaseState.ACTIVE, account=CreditAccountFactory.create(customer=point.customer)), point


def _reminder(case: Any, point: ContactPoint) -> Notice:
    return notice_queue(
        case_id=case.pk,
        template_key="reminder.soft",
        contact_point_id=point.pk,
        actor=SYSTEM,
        now=NOW,
        raise_when_blocked=False,
        reference=str(point.pk),
        links=links_for_notices,
    )


def test_a_supervisor_restores_the_number_for_that_customer_only_after_an_identity_check(
    supervisor: User,
) -> None:
    # Given the real customer pressed "not me" by mistake, and the same number is on a second file
    case, mine = _case_with(NUMBER)
    other_case, other = _case_with(NUMBER)
    services.contact_report_wrong_party(contact_point_id=mine.pk, actor=SYSTEM, now=NOW)

    # When a supervisor restores it after verifying the customer at a branch
    release = services_release(supervisor, mine)

    # Then this customer can be contacted again, the other file still may not, and it is on the record
    mine.refresh_from_db()
    assert mine.status == ContactPoint.Status.VERIFIED
    assert _reminder(case, mine).status != Notice.Status.BLOCKED
    blocked = _reminder(other_case, other)
    assert blocked.status == Notice.Status.BLOCKED and "WRONG_PARTY" in blocked.decision["blocked_by"]
    event = AuditEvent.objects.get(action="contact.quarantine_released_for_customer")
    assert event.payload["customer"] == mine.customer_id and event.payload["verified_via"] == "branch visit"
    assert release.decided_by == supervisor


def services_release(user: User, point: ContactPoint) -> QuarantineRelease:
    from debt_collections.services.quarantine_release import contact_quarantine_release_for_customer

    return contact_quarantine_release_for_customer(
        contact_point_id=point.pk,
        actor=Actor.for_user(user),
        verified_via="branch visit",
        reason="the customer pressed 'not me' by mistake",
        now=NOW,
    )


def test_an_agent_may_not_restore_and_nothing_changes(agent: User) -> None:
    _case, mine = _case_with(NUMBER)
    services.contact_report_wrong_party(contact_point_id=mine.pk, actor=SYSTEM, now=NOW)

    with pytest.raises(NotPermitted):
        services_release(agent, mine)

    assert not QuarantineRelease.objects.exists()


def test_a_number_that_is_not_quarantined_cannot_be_restored(supervisor: User) -> None:
    _case, mine = _case_with(NUMBER)

    with pytest.raises(InvalidInput):
        services_release(supervisor, mine)


def test_the_command_records_the_decision(supervisor: User) -> None:
    _case, mine = _case_with(NUMBER)
    services.contact_report_wrong_party(contact_point_id=mine.pk, actor=SYSTEM, now=NOW)

    call_command(
        "restore_wrong_party",
        str(mine.pk),
        by=supervisor.username,
        verified_via="call to the contract number",
        reason="pressed by mistake",
    )

    assert QuarantineRelease.objects.get().verified_via == "call to the contract number"
