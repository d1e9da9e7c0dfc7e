"""Disputes and complaints: the hold in the same transaction, the pack's SLA, the compliance queue, and
the outcome (DESIGN §9)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest

from accounts.models import User
from debt_collections import selectors, services
from debt_collections.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from debt_collections.kernel.audit import Actor
from debt_collections.models import AuditEvent, CaseState, CloseReason, CollectionCase, Dispute, HoldReason
from notifications.models import Notice
from tests.debt_collections.negotiation_support import NOW, actions, case_with_phone, negotiation_env, notices
from tests.factories import SYSTEM

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("negotiation_env")]
__all__ = ["negotiation_env"]


def open_dispute(
    case: CollectionCase, kind: str = "amount_wrong", *, actor: Actor = SYSTEM, now: datetime = NOW
) -> Dispute:
    return services.dispute_open(
        case_id=case.pk, kind=kind, description="The customer says so.", channel="phone", actor=actor, now=now
    )


def resolve(dispute: Dispute, outcome: str, user: User, text: str = "We checked the records.") -> Dispute:
    return services.dispute_resolve(
        dispute_id=dispute.pk,
        outcome=outcome,
        outcome_text=text,
        actor=Actor.for_user(user),
        now=NOW + timedelta(days=3),
    )


# --- opening ------------------------------------------------------------------------------------------


def test_opening_a_dispute_puts_the_case_on_hold_and_acknowledges_it(agent: User) -> None:
    case, phone = case_with_phone(CaseState.ACTIVE)

    dispute = open_dispute(case, actor=Actor.for_user(agent))

    case.refresh_from_db()
    assert dispute.status == Dispute.Status.OPEN
    assert case.state == CaseState.ON_HOLD
    assert case.hold_reason == HoldReason.DISPUTE
    assert case.resume_state == CaseState.ACTIVE
    assert actions(case)[-4:] == ["dispute.opened", "case.hold", "link.create", "notice.queued"]
    [ack] = notices(case, "dispute.acknowledgement")
    assert ack.contact_point == phone
    assert ack.status == Notice.Status.PENDING  # a service notice passes the hold
    assert "dispute" in ack.body
    assert "2026-03-17" in ack.body  # 15 days, the CN default SLA


def test_if_the_hold_fails_no_dispute_is_left_behind() -> None:
    case, _phone = case_with_phone(CaseState.ACTIVE)
    events = AuditEvent.objects.count()

    with (
        mock.patch(
            "debt_collections.services.disputes.case_transition_locked",
            side_effect=RuntimeError("database hiccup"),
        ),
        pytest.raises(RuntimeError),
    ):
        open_dispute(case)

    case.refresh_from_db()
    assert not Dispute.objects.filter(case=case).exists()
    assert case.state == CaseState.ACTIVE
    assert AuditEvent.objects.count() == events
    assert notices(case, "dispute.acknowledgement") == []


@pytest.mark.parametrize(
    ("jurisdiction", "kind", "days"),
    [
        ("CN", "credit_report", 20),
        ("CN", "not_my_debt", 15),
        ("US", "credit_report", 30),
        ("UK", "amount_wrong", 56),
    ],
)
def test_the_sla_clock_comes_from_the_pack(jurisdiction: str, kind: str, days: int) -> None:
    case, _phone = case_with_phone(jurisdiction=jurisdiction)

    dispute = open_dispute(case, kind)

    assert dispute.sla_due_at == NOW + timedelta(days=days)


def test_a_conduct_complaint_holds_the_case_as_a_complaint() -> None:
    case, _phone = case_with_phone(CaseState.NEGOTIATING)

    open_dispute(case, "conduct_complaint")

    case.refresh_from_db()
    assert (case.state, case.hold_reason) == (CaseState.ON_HOLD, HoldReason.COMPLAINT)
    assert "complaint" in notices(case, "dispute.acknowledgement")[0].body


def test_a_case_already_on_hold_keeps_its_hold() -> None:
    case, _phone = case_with_phone(CaseState.ACTIVE)
    services.case_hold(case_id=case.pk, actor=SYSTEM, hold_reason=HoldReason.HARDSHIP, now=NOW)

    dispute = open_dispute(case, now=NOW + timedelta(hours=1))

    case.refresh_from_db()
    assert dispute.pk is not None
    assert (case.state, case.hold_reason, case.resume_state) == (
        CaseState.ON_HOLD,
        HoldReason.HARDSHIP,
        CaseState.ACTIVE,
    )


def test_a_disputed_amount_needs_its_component() -> None:
    case, _phone = case_with_phone()

    with pytest.raises(InvalidInput) as refused:
        services.dispute_open(
            case_id=case.pk,
            kind="amount_wrong",
            description="",
            channel="phone",
            actor=SYSTEM,
            disputed_amount=Decimal("10.00"),
            now=NOW,
        )

    assert refused.value.code == "component_required"
    assert not Dispute.objects.exists()


def test_an_agency_user_cannot_open_a_dispute_on_another_agencys_case(other_agency_agent: User) -> None:
    case, _phone = case_with_phone()

    with pytest.raises(NotPermitted):
        open_dispute(case, actor=Actor.for_user(other_agency_agent))


# --- the compliance queue -----------------------------------------------------------------------------


def test_open_disputes_are_listed_for_compliance_soonest_due_first(compliance: User) -> None:
    first, _ = case_with_phone()
    second, _ = case_with_phone()
    third, _ = case_with_phone()
    report = open_dispute(first, "credit_report")  # due in 20 days
    amount = open_dispute(second, "amount_wrong", now=NOW + timedelta(days=1))  # due in 16 days
    done = open_dispute(third, "already_paid")
    services.dispute_resolve(
        dispute_id=done.pk,
        outcome="rejected",
        outcome_text="No payment found.",
        actor=Actor.for_user(compliance),
    )

    assert list(selectors.open_disputes(compliance)) == [amount, report]
    assert list(selectors.open_disputes()) == [amount, report]


# --- resolving ----------------------------------------------------------------------------------------


def test_an_upheld_identity_theft_closes_the_case_and_tells_the_customer(compliance: User) -> None:
    case, _phone = case_with_phone(CaseState.ACTIVE)
    dispute = open_dispute(case, "identity_theft")

    resolve(dispute, "upheld", compliance, "The account was opened with a stolen identity card.")

    case.refresh_from_db()
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.UPHELD
    assert dispute.resolved_at == NOW + timedelta(days=3)
    assert (case.state, case.close_reason) == (CaseState.CLOSED, CloseReason.FRAUD_UPHELD)
    [outcome] = notices(case, "dispute.outcome")
    assert "upheld" in outcome.body
    assert "stolen identity card" in outcome.body
    close = AuditEvent.objects.get(case_id=case.pk, action="case.close")
    assert close.actor == "system:dispute_policy"
    assert compliance.username in close.payload["reason"]


def test_an_upheld_not_my_debt_closes_the_case_as_not_our_customer(supervisor: User) -> None:
    case, _phone = case_with_phone()
    dispute = open_dispute(case, "not_my_debt")

    resolve(dispute, "upheld", supervisor)

    case.refresh_from_db()
    assert case.close_reason == CloseReason.NOT_OUR_CUSTOMER


def test_a_rejected_dispute_releases_the_hold_back_to_where_the_case_was(compliance: User) -> None:
    case, _phone = case_with_phone(CaseState.NEGOTIATING)
    dispute = open_dispute(case, "amount_wrong")

    resolve(dispute, "rejected", compliance, "The penalty was charged once.")

    case.refresh_from_db()
    assert case.state == CaseState.NEGOTIATING
    assert "not upheld" in notices(case, "dispute.outcome")[0].body


def test_the_hold_stays_while_another_dispute_is_open(compliance: User) -> None:
    case, _phone = case_with_phone()
    first = open_dispute(case, "amount_wrong")
    open_dispute(case, "conduct_complaint", now=NOW + timedelta(hours=1))

    resolve(first, "rejected", compliance)

    case.refresh_from_db()
    assert case.state == CaseState.ON_HOLD


def test_a_hold_for_another_reason_is_not_lifted_by_the_dispute_outcome(compliance: User) -> None:
    case, _phone = case_with_phone()
    services.case_hold(case_id=case.pk, actor=SYSTEM, hold_reason=HoldReason.BREATHING_SPACE, now=NOW)
    dispute = open_dispute(case, now=NOW + timedelta(hours=1))

    resolve(dispute, "rejected", compliance)

    case.refresh_from_db()
    assert (case.state, case.hold_reason) == (CaseState.ON_HOLD, HoldReason.BREATHING_SPACE)


def test_only_compliance_officers_and_supervisors_resolve(agent: User) -> None:
    case, _phone = case_with_phone()
    dispute = open_dispute(case)

    with pytest.raises(NotPermitted):
        resolve(dispute, "rejected", agent)

    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.OPEN


def test_a_decided_dispute_cannot_be_decided_again(compliance: User) -> None:
    case, _phone = case_with_phone()
    dispute = open_dispute(case)
    resolve(dispute, "rejected", compliance)

    with pytest.raises(TransitionNotAllowed) as refused:
        resolve(dispute, "upheld", compliance)

    assert refused.value.code == "dispute_closed"


def test_an_outcome_needs_an_explanation_for_the_customer(compliance: User) -> None:
    case, _phone = case_with_phone()
    dispute = open_dispute(case)

    with pytest.raises(InvalidInput):
        resolve(dispute, "rejected", compliance, text="  ")
