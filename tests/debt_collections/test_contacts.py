"""Contact attempts through the compliance gate, wired to the database (DESIGN §5).

The pure gate is tested without a database in ``tests/policies``; these tests check what only the
database wiring can get wrong: history gathered per *person* (every account, team and agency) and per
number, the customer's own time zone, the decision stored and audited whether allowed or blocked, and
the wrong-party quarantine applied by value to every customer, in one transaction.

Every instant is explicit (``now=``) and the clock is frozen, so the suite passes at any hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from accounts.models import Agency, ContactPoint, Customer, QuarantinedContact, Role, User
from debt_collections import services
from debt_collections.errors import ComplianceBlocked, InvalidInput, NotPermitted
from debt_collections.kernel.audit import Actor
from debt_collections.models import AuditEvent, CaseState, CollectionCase, ContactAttempt, HoldReason
from debt_collections.policies import get_pack
from debt_collections.services.links import links_for_notices
from notifications.models import Notice
from notifications.services import notice_queue
from tests.factories import (
    SYSTEM,
    CreditAccountFactory,
    CustomerFactory,
    PhoneFactory,
    UserFactory,
    make_case,
)

pytestmark = pytest.mark.django_db

Outcome = ContactAttempt.Outcome
Direction = ContactAttempt.Direction

# Monday 2 March 2026, 04:00 UTC = 12:00 in Asia/Shanghai (the customers' default zone).
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
SUNDAY = NOW - timedelta(days=1)
PACK_VERSION = get_pack("CN", NOW.date()).version


@pytest.fixture(autouse=True)
def _no_worker_and_a_fixed_clock(sms_outbox: list[Any], time_machine: Any) -> None:
    """SMS to memory (tasks already run in-process); factories' dates relative to NOW."""
    time_machine.move_to(NOW, tick=False)


# --- helpers ------------------------------------------------------------------------------------------


def at(day: datetime, hour: int, minute: int = 0) -> datetime:
    """``day`` at ``hour:minute`` UTC."""
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def open_case(customer: Customer, state: str = CaseState.EARLY) -> CollectionCase:
    return make_case(state, account=CreditAccountFactory.create(customer=customer))


def customer_with_case(state: str = CaseState.EARLY, **customer: Any) -> tuple[CollectionCase, ContactPoint]:
    person = CustomerFactory.create(**customer)
    phone = PhoneFactory.create(customer=person)
    return open_case(person, state), phone


def call(
    case: CollectionCase, point: ContactPoint, user: User, when: datetime, **kwargs: Any
) -> ContactAttempt:
    return services.contact_attempt_log(
        case_id=case.pk, actor=Actor.for_user(user), contact_point_id=point.pk, now=when, **kwargs
    )


def blocked_call(
    case: CollectionCase, point: ContactPoint, user: User, when: datetime, **kwargs: Any
) -> tuple[ComplianceBlocked, ContactAttempt]:
    """Place a call the gate must block; return the error and the attempt row it left behind."""
    with pytest.raises(ComplianceBlocked) as caught:
        call(case, point, user, when, **kwargs)
    stored = ContactAttempt.objects.get(case=case, placed_at=when)
    return caught.value, stored


def place_calls(case: CollectionCase, point: ContactPoint, user: User, times: list[datetime]) -> None:
    for when in times:
        assert call(case, point, user, when, outcome=Outcome.NO_ANSWER).allowed


def audit(action: str, **filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters))


# --- an allowed call ----------------------------------------------------------------------------------


def test_allowed_call_is_stored_with_the_decision_and_policy_version_and_audited(agent: User) -> None:
    # Given a verified number and an open case
    case, phone = customer_with_case()

    # When the agent logs a call at noon local time
    attempt = call(case, phone, agent, NOW, outcome=Outcome.NO_ANSWER, note="rang out")

    # Then the attempt row carries the gate's decision and the pack version that made it
    stored = ContactAttempt.objects.get(pk=attempt.pk)
    assert stored.allowed is True
    assert stored.blocked_by == []
    assert stored.next_allowed_at is None
    assert stored.policy_version == PACK_VERSION == "CN-2026.1"
    assert (stored.placed_at, stored.customer_id, stored.agent, stored.agency_id) == (
        NOW,
        case.customer_id,
        agent,
        None,
    )
    assert (stored.channel, stored.direction, stored.outcome) == ("call", "outbound", "no_answer")
    # and one audit event records it, in the case's timeline, by the agent
    [event] = audit("contact.attempt", case=case)
    assert event.actor == f"user:{agent.pk}:{agent.username}"
    assert event.actor_user_id == agent.pk
    assert event.payload["attempt"] == attempt.pk
    assert event.payload["allowed"] is True
    assert event.payload["blocked_by"] == []
    assert event.payload["policy_version"] == PACK_VERSION
    assert not audit("contact.blocked")


# --- FREQ_7D: the eighth call in seven days, per person -----------------------------------------------

# Four calls on Sunday and three on Monday, all inside the local window and under the per-number daily cap.
SEVEN_CALLS = [at(SUNDAY, h) for h in (2, 3, 4, 5)] + [at(NOW, h) for h in (1, 2, 3)]
EIGHTH_CALL = at(NOW, 5)
# The first call leaves the rolling 7×24h window a week later, at 10:00 local: the earliest allowed instant.
FIRST_CALL_LEAVES_WINDOW = SEVEN_CALLS[0] + timedelta(days=7)


def test_eighth_call_in_seven_days_is_blocked_stored_and_audited_with_the_next_allowed_time(
    agent: User,
) -> None:
    # Given seven calls to the person in the last seven days
    case, phone = customer_with_case()
    place_calls(case, phone, agent, SEVEN_CALLS)

    # When the agent tries an eighth
    error, stored = blocked_call(case, phone, agent, EIGHTH_CALL, outcome=Outcome.NO_ANSWER)

    # Then the error names the rule and when calling is allowed again
    assert error.rule_ids == ("FREQ_7D",)
    assert error.next_allowed_at == FIRST_CALL_LEAVES_WINDOW
    assert error.as_dict()["blocked_by"] == ["FREQ_7D"]
    # and the blocked attempt is stored (not rolled back by the error) and audited as blocked
    assert stored.allowed is False
    assert stored.blocked_by == ["FREQ_7D"]
    assert stored.next_allowed_at == FIRST_CALL_LEAVES_WINDOW
    assert stored.policy_version == PACK_VERSION
    assert stored.outcome == ""
    [event] = audit("contact.blocked", case=case)
    assert event.payload["attempt"] == stored.pk
    assert event.payload["blocked_by"] == ["FREQ_7D"]
    assert event.payload["allowed"] is False
    assert len(audit("contact.attempt", case=case)) == 7


def test_blocked_attempt_does_not_count_so_the_call_at_next_allowed_at_goes_through(agent: User) -> None:
    # Given seven calls and a blocked eighth
    case, phone = customer_with_case()
    place_calls(case, phone, agent, SEVEN_CALLS)
    error, _ = blocked_call(case, phone, agent, EIGHTH_CALL)
    assert error.next_allowed_at is not None

    # When the agent calls exactly at next_allowed_at (a second earlier is still blocked)
    blocked_call(case, phone, agent, error.next_allowed_at - timedelta(seconds=1))
    attempt = call(case, phone, agent, error.next_allowed_at)

    # Then it is allowed: only placed calls count toward the cap
    assert attempt.allowed is True


def test_seven_day_cap_is_shared_by_two_accounts_of_the_same_person_on_different_numbers(agent: User) -> None:
    # Given one customer with two accounts (two cases) and two numbers
    person = CustomerFactory.create()
    home, mobile = PhoneFactory.create(customer=person), PhoneFactory.create(customer=person)
    card_case, loan_case = open_case(person), open_case(person)
    place_calls(card_case, home, agent, SEVEN_CALLS[:4])
    place_calls(loan_case, mobile, agent, SEVEN_CALLS[4:])

    # When an eighth call is tried on either case
    error, stored = blocked_call(card_case, home, agent, EIGHTH_CALL)

    # Then the person's cap is reached: the count is per person, not per case or number
    assert error.rule_ids == ("FREQ_7D",)
    assert stored.blocked_by == ["FREQ_7D"]


def test_seven_day_cap_counts_calls_by_an_agency_and_by_the_in_house_team_together(
    agent: User,
    agency_agent: User,
    agency: Agency,
) -> None:
    # Given one person: one case worked in-house, the other placed with a licensed agency
    person = CustomerFactory.create()
    phone = PhoneFactory.create(customer=person)
    in_house_case, placed_case = open_case(person), open_case(person)
    services.case_place_with_agency(case_id=placed_case.pk, actor=SYSTEM, agency=agency, now=NOW)
    place_calls(in_house_case, phone, agent, SEVEN_CALLS[:3])
    place_calls(placed_case, phone, agency_agent, SEVEN_CALLS[3:])

    # When the agency's collector tries an eighth call
    error, stored = blocked_call(placed_case, phone, agency_agent, EIGHTH_CALL)

    # Then the in-house calls counted too, and the agency is on the blocked record
    assert error.rule_ids == ("FREQ_7D",)
    assert stored.agency_id == agency.pk
    assert stored.agent == agency_agent
    # and the in-house agent is held to the same cap
    assert blocked_call(in_house_case, phone, agent, EIGHTH_CALL + timedelta(minutes=5))[0].rule_ids == (
        "FREQ_7D",
    )


# --- DAILY: three connected calls per person per day (CN) ---------------------------------------------


def test_fourth_connected_call_in_a_local_day_is_blocked_across_two_accounts(agent: User) -> None:
    # Given three connected calls today, on two accounts of the same person
    person = CustomerFactory.create()
    phone = PhoneFactory.create(customer=person)
    first, second = open_case(person), open_case(person)
    for case, hour in ((first, 1), (second, 2), (first, 3)):
        assert call(case, phone, agent, at(NOW, hour), connected=True, outcome=Outcome.REFUSED).allowed

    # When a fourth call is tried on the second account (the caller claims it connected)
    error, stored = blocked_call(second, phone, agent, at(NOW, 5), connected=True, outcome=Outcome.REFUSED)

    # Then DAILY blocks it until tomorrow's window opens (08:00 Shanghai = 00:00 UTC)
    assert error.rule_ids == ("DAILY",)
    assert error.next_allowed_at == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    # and the stored blocked attempt never connected, whatever the caller said
    assert (stored.connected, stored.conversation, stored.outcome) == (False, False, "")


# --- HOURS: in the customer's own time zone -----------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "opens_at"),
    [
        pytest.param(
            datetime(2026, 3, 2, 13, 0, tzinfo=UTC),
            datetime(2026, 3, 3, 0, 0, tzinfo=UTC),
            id="21:00 local, the window's end",
        ),
        pytest.param(
            datetime(2026, 3, 2, 23, 59, tzinfo=UTC),
            datetime(2026, 3, 3, 0, 0, tzinfo=UTC),
            id="07:59 local, a minute early",
        ),
        pytest.param(
            datetime(2026, 3, 2, 18, 30, tzinfo=UTC),
            datetime(2026, 3, 3, 0, 0, tzinfo=UTC),
            id="02:30 local, the middle of the night",
        ),
    ],
)
def test_call_outside_contact_hours_is_blocked_until_the_next_window_opening(
    agent: User,
    when: datetime,
    opens_at: datetime,
) -> None:
    case, phone = customer_with_case()

    error, stored = blocked_call(case, phone, agent, when)

    assert error.rule_ids == ("HOURS",)
    assert error.next_allowed_at == opens_at
    assert stored.next_allowed_at == opens_at
    assert call(case, phone, agent, opens_at).allowed


def test_contact_hours_follow_the_customers_time_zone_not_the_servers(agent: User) -> None:
    # Given a customer in New York: 04:00 UTC on 2 March is 23:00 on 1 March there (EST, UTC−5)
    case, phone = customer_with_case(time_zone="America/New_York")

    # When the agent calls at noon Shanghai time
    error, _ = blocked_call(case, phone, agent, NOW)

    # Then it is blocked until 08:00 New York time
    assert error.rule_ids == ("HOURS",)
    assert error.next_allowed_at == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


# --- DISCLOSURE, HOLD ---------------------------------------------------------------------------------


def test_call_to_an_unverified_number_is_blocked_by_disclosure(agent: User) -> None:
    person = CustomerFactory.create()
    unverified = PhoneFactory.create(customer=person, status=ContactPoint.Status.UNVERIFIED, verified_at=None)
    case = open_case(person)

    error, stored = blocked_call(case, unverified, agent, NOW)

    assert error.rule_ids == ("DISCLOSURE",)
    assert error.next_allowed_at is None  # needs a verification, not time
    assert stored.blocked_by == ["DISCLOSURE"]


def test_call_on_a_case_on_hold_is_blocked_by_hold(agent: User) -> None:
    case, phone = customer_with_case(CaseState.ON_HOLD)

    error, stored = blocked_call(case, phone, agent, NOW)

    assert error.rule_ids == ("HOLD",)
    assert error.next_allowed_at is None
    assert stored.allowed is False


# --- WRONG_PARTY: quarantine by value, for every customer ---------------------------------------------

SHARED_NUMBER = "+8613912345678"
SharedNumber = tuple[CollectionCase, ContactPoint, CollectionCase, ContactPoint]


@pytest.fixture
def two_customers_sharing_a_number() -> SharedNumber:
    """A recycled number: on file for customer A (old owner) and customer B (new owner)."""
    a, b = CustomerFactory.create(), CustomerFactory.create()
    point_a = PhoneFactory.create(customer=a, phone=SHARED_NUMBER)
    point_b = PhoneFactory.create(customer=b, phone=SHARED_NUMBER)
    return open_case(a), point_a, open_case(b), point_b


def test_wrong_party_outcome_quarantines_the_number_for_every_customer_that_has_it(
    agent: User,
    two_customers_sharing_a_number: SharedNumber,
) -> None:
    case_a, point_a, case_b, point_b = two_customers_sharing_a_number
    # Given a reminder to customer B's point waiting in the outbox
    pending = notice_queue(
        case_id=case_b.pk,
        template_key="reminder.soft",
        contact_point_id=point_b.pk,
        actor=SYSTEM,
        now=NOW,
        links=links_for_notices,
    )
    assert pending.status == Notice.Status.PENDING

    # When a call on customer A's case reaches somebody who says "wrong number"
    attempt = call(case_a, point_a, agent, NOW, connected=True, outcome=Outcome.WRONG_PARTY)

    # Then both customers' points with that number are wrong_party and the value is quarantined
    assert attempt.allowed is True
    point_a.refresh_from_db()
    point_b.refresh_from_db()
    assert point_a.status == point_b.status == ContactPoint.Status.WRONG_PARTY
    quarantine = QuarantinedContact.objects.get(value=SHARED_NUMBER)
    assert quarantine.active
    assert quarantine.reported_via == f"user:{agent.pk}:{agent.username}"
    # and the pending notice to B is blocked, audited on B's case
    pending.refresh_from_db()
    assert pending.status == Notice.Status.BLOCKED
    assert pending.decision["blocked_by"] == ["WRONG_PARTY"]
    assert [e.payload["notice"] for e in audit("notice.blocked", case=case_b)] == [pending.pk]
    [event] = audit("contact.wrong_party")
    assert sorted(event.payload["contact_points"]) == sorted([point_a.pk, point_b.pk])
    assert event.payload["notices_blocked"] == 1
    assert event.payload["source"] == f"attempt:{attempt.pk}"
    # and a later call to customer B on that number is blocked
    error, _ = blocked_call(case_b, point_b, agent, at(NOW, 6))
    assert "WRONG_PARTY" in error.rule_ids  # (and DISCLOSURE: a wrong_party point is no longer verified)
    assert error.next_allowed_at is None


def test_number_added_later_for_another_customer_is_still_quarantined(agent: User) -> None:
    # Given a number reported as wrong party
    case_a, point_a = customer_with_case()
    services.contact_report_wrong_party(contact_point_id=point_a.pk, actor=SYSTEM, now=NOW)

    # When a new customer gives the same number, verified, and an agent calls it
    case_c, point_c = customer_with_case()
    ContactPoint.objects.filter(pk=point_c.pk).update(phone=point_a.value)
    point_c.refresh_from_db()
    assert point_c.status == ContactPoint.Status.VERIFIED

    # Then the quarantine by value blocks it
    error, _ = blocked_call(case_c, point_c, agent, NOW)
    assert error.rule_ids == ("WRONG_PARTY",)


def test_wrong_party_report_and_its_call_commit_together_or_not_at_all(
    agent: User,
    monkeypatch: pytest.MonkeyPatch,
    two_customers_sharing_a_number: SharedNumber,
) -> None:
    case_a, point_a, _case_b, point_b = two_customers_sharing_a_number

    # Given blocking the outbox fails half-way through the quarantine
    def explode(**_kwargs: Any) -> int:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr("debt_collections.services.contacts.notice_block_pending_to", explode)

    # When the wrong-party call is logged
    with pytest.raises(RuntimeError, match="outbox unavailable"):
        call(case_a, point_a, agent, NOW, connected=True, outcome=Outcome.WRONG_PARTY)

    # Then nothing of it survives: no attempt, no quarantine, no status change, no audit event
    assert not ContactAttempt.objects.exists()
    assert not QuarantinedContact.objects.exists()
    statuses = ContactPoint.objects.filter(pk__in=[point_a.pk, point_b.pk]).values_list("status", flat=True)
    assert set(statuses) == {ContactPoint.Status.VERIFIED}
    assert not audit("contact.attempt") and not audit("contact.wrong_party")


def test_quarantine_lift_needs_a_second_supervisor_and_does_not_restore_contact_by_itself(
    agent: User,
    supervisor: User,
) -> None:
    # Given a supervisor reported the number as wrong party
    case, phone = customer_with_case()
    entry = services.contact_report_wrong_party(
        contact_point_id=phone.pk, actor=Actor.for_user(supervisor), now=NOW
    )

    # When the same supervisor tries to lift it, then an agent
    with pytest.raises(NotPermitted) as same_person:
        services.contact_quarantine_lift(
            quarantine_id=entry.pk, actor=Actor.for_user(supervisor), reason="Owner confirmed", now=NOW
        )
    with pytest.raises(NotPermitted) as agent_tries:
        services.contact_quarantine_lift(
            quarantine_id=entry.pk, actor=Actor.for_user(agent), reason="Owner confirmed", now=NOW
        )

    # Then both are refused (four eyes; role) and the quarantine stands
    assert same_person.value.code == "four_eyes"
    assert agent_tries.value.code == "not_permitted"
    entry.refresh_from_db()
    assert entry.lifted_at is None
    assert not audit("contact.quarantine_lifted")

    # When a different supervisor lifts it
    second = UserFactory.create(username="supervisor_two", roles=[Role.SUPERVISOR])
    lifted = services.contact_quarantine_lift(
        quarantine_id=entry.pk,
        actor=Actor.for_user(second),
        reason="Owner re-verified in branch",
        now=at(NOW, 5),
    )

    # Then it is lifted and audited
    assert (lifted.lifted_at, lifted.lifted_by, lifted.lift_reason) == (
        at(NOW, 5),
        second,
        "Owner re-verified in branch",
    )
    [event] = audit("contact.quarantine_lifted")
    assert event.payload == {"quarantine": entry.pk, "reason": "Owner re-verified in branch"}
    # but the point stays wrong_party until it is re-verified: a call is still blocked
    phone.refresh_from_db()
    assert phone.status == ContactPoint.Status.WRONG_PARTY
    assert "WRONG_PARTY" in blocked_call(case, phone, agent, at(NOW, 6))[0].rule_ids


# --- inbound contacts ---------------------------------------------------------------------------------


def test_inbound_contact_is_recorded_without_asking_the_gate(agent: User) -> None:
    # Given a case on hold and an unverified number (an outbound call would be blocked twice over)
    person = CustomerFactory.create()
    unverified = PhoneFactory.create(customer=person, status=ContactPoint.Status.UNVERIFIED, verified_at=None)
    case = open_case(person, CaseState.ON_HOLD)
    late_evening = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)  # 22:30 local, outside the window too

    # When the customer calls in
    attempt = call(
        case,
        unverified,
        agent,
        late_evening,
        direction=Direction.INBOUND,
        connected=True,
        conversation=True,
        outcome=Outcome.SPOKE_DEBTOR,
    )

    # Then it is recorded as it happened, with the pack version in force, and audited
    stored = ContactAttempt.objects.get(pk=attempt.pk)
    assert (stored.allowed, stored.blocked_by, stored.direction) == (True, [], "inbound")
    assert (stored.connected, stored.conversation, stored.outcome) == (True, True, "spoke_debtor")
    assert stored.policy_version == PACK_VERSION
    [event] = audit("contact.attempt", case=case)
    assert event.payload["direction"] == "inbound"


def test_inbound_conversation_blocks_outbound_calls_for_seven_local_days(agent: User) -> None:
    # Given the customer called in on Monday 2 March and spoke with the agent (day 1 of 7)
    case, phone = customer_with_case()
    call(
        case,
        phone,
        agent,
        NOW,
        direction=Direction.INBOUND,
        connected=True,
        conversation=True,
        outcome=Outcome.SPOKE_DEBTOR,
    )

    # When the agent calls back on Sunday 8 March (day 7)
    error, _ = blocked_call(case, phone, agent, NOW + timedelta(days=6))

    # Then the quiet period blocks it until Monday 9 March, 08:00 local
    monday_opening = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)
    assert error.rule_ids == ("CONVERSATION_WAIT",)
    assert error.next_allowed_at == monday_opening
    assert call(case, phone, agent, monday_opening).allowed


def test_inbound_messages_from_the_customer_do_not_use_up_the_outbound_sms_cap(agent: User) -> None:
    # Given the customer texted us three times today (the SMS cap is three per 7 days)
    case, phone = customer_with_case()
    for hour in (1, 2, 3):
        call(
            case, phone, agent, at(NOW, hour), channel=ContactAttempt.Channel.SMS, direction=Direction.INBOUND
        )

    # When the reminder is queued
    notice = notice_queue(
        case_id=case.pk,
        template_key="reminder.soft",
        contact_point_id=phone.pk,
        actor=SYSTEM,
        now=NOW,
        links=links_for_notices,
    )

    # Then the customer's own messages did not count as our contact attempts
    assert notice.status == Notice.Status.PENDING


# --- refused before the gate --------------------------------------------------------------------------


def test_outbound_sms_cannot_be_logged_as_a_contact_attempt(agent: User) -> None:
    case, phone = customer_with_case()

    with pytest.raises(InvalidInput) as caught:
        call(case, phone, agent, NOW, channel=ContactAttempt.Channel.SMS)

    assert caught.value.code == "use_notices"
    assert not ContactAttempt.objects.exists()


def test_agency_user_whose_agency_licence_expired_may_not_log_calls(
    agency_agent: User,
    agency: Agency,
) -> None:
    # Given a case placed with the agency while it was licensed
    case, phone = customer_with_case()
    services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=agency, now=NOW)
    # and the licence has since lapsed (yesterday was its last day)
    Agency.objects.filter(pk=agency.pk).update(licensed_until=NOW.date() - timedelta(days=1))
    collector = User.objects.get(pk=agency_agent.pk)

    # When the agency's collector tries to log a call
    with pytest.raises(ComplianceBlocked) as caught:
        call(case, phone, collector, NOW)

    # Then the gate refused it as AGENCY_LICENCE, and the refusal is on the record (issue 12):
    # a blocked attempt naming the rule, and its audit event
    assert caught.value.rule_ids == ("AGENCY_LICENCE",)
    assert not ContactAttempt.objects.filter(allowed=True).exists()
    attempt = ContactAttempt.objects.get(case=case)
    assert (attempt.allowed, attempt.blocked_by) == (False, ["AGENCY_LICENCE"])
    assert attempt.agent_id == collector.pk
    event = AuditEvent.objects.get(case_id=case.pk, action="contact.blocked")
    assert event.payload["blocked_by"] == ["AGENCY_LICENCE"]


def test_a_lapsed_agencys_notice_is_stored_blocked_and_audited_as_agency_licence(
    agency_agent: User,
    agency: Agency,
) -> None:
    case, phone = customer_with_case()
    services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=agency, now=NOW)
    Agency.objects.filter(pk=agency.pk).update(contract_end=NOW.date() - timedelta(days=1))
    collector = User.objects.get(pk=agency_agent.pk)

    with pytest.raises(ComplianceBlocked) as caught:
        notice_queue(
            case_id=case.pk,
            template_key="reminder.soft",
            contact_point_id=phone.pk,
            actor=Actor.for_user(collector),
            now=at(NOW, 10),
            links=links_for_notices,
        )

    assert "AGENCY_LICENCE" in caught.value.rule_ids
    notice = Notice.objects.get(case=case)
    assert notice.status == Notice.Status.BLOCKED
    assert "AGENCY_LICENCE" in notice.decision["blocked_by"]
    assert AuditEvent.objects.filter(case_id=case.pk, action__startswith="notice.").exists()


def test_agency_collector_may_call_while_the_licence_is_valid(agency_agent: User, agency: Agency) -> None:
    # The counterpart of the test above, so it cannot pass for another reason
    case, phone = customer_with_case()
    services.case_place_with_agency(case_id=case.pk, actor=SYSTEM, agency=agency, now=NOW)

    assert call(case, phone, agency_agent, NOW).allowed


def test_hold_reason_on_a_held_case_does_not_matter_to_the_gate(agent: User) -> None:
    # Every hold reason stops collection calls, not only disputes
    case, phone = customer_with_case()
    services.case_hold(case_id=case.pk, actor=SYSTEM, hold_reason=HoldReason.HARDSHIP, now=NOW)

    assert blocked_call(case, phone, agent, at(NOW, 5))[0].rule_ids == ("HOLD",)


@pytest.mark.parametrize("kind", ["phone", "email"])
def test_the_gates_history_of_a_number_or_address_holds_every_customers_contacts_on_it(kind: str) -> None:
    """Caps count per number or address, whoever it was for: a contact with the old owner of a shared
    phone or email is in the new owner's history (the lookup reads phones and emails each by its index)."""
    from django.utils import timezone

    from debt_collections.kernel.gate import person_history
    from tests.factories import CustomerFactory

    now = timezone.now()
    value = {"phone": "+8613900000777", "email": "shared@example.com"}[kind]
    points = []
    for _ in range(2):
        customer = CustomerFactory.create()
        points.append(
            ContactPoint.objects.create(
                customer=customer, kind=kind, **{kind: value}, status=ContactPoint.Status.VERIFIED
            )
        )
    old_owner, new_owner = points
    case = make_case(account=CreditAccountFactory.create(customer=old_owner.customer))
    ContactAttempt.objects.create(
        case=case,
        customer=old_owner.customer,
        contact_point=old_owner,
        channel="call" if kind == "phone" else "email",
        placed_at=now - timedelta(hours=1),
        allowed=True,
    )

    history = person_history(customer_id=new_owner.customer_id, value=new_owner.value, now=now)

    assert [c.contact_point_value for c in history] == [value]
