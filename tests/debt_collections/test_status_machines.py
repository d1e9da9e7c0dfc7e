"""Disputes and credit-limit changes move through a state machine too (issue 10): their status is
protected, so only the ``@transition`` methods their services call can change it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django_fsm import TransitionNotAllowed

from accounts.models import CreditLimitChange
from debt_collections.models import CaseState, Dispute
from tests.factories import CreditAccountFactory, make_case

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
ST = CreditLimitChange.Status


def a_dispute() -> Dispute:
    case = make_case(CaseState.ACTIVE)
    return Dispute.objects.create(
        case=case, kind=Dispute.Kind.AMOUNT_WRONG, opened_at=NOW, sla_due_at=NOW + timedelta(days=15)
    )


def a_change(**fields: object) -> CreditLimitChange:
    account = CreditAccountFactory.create(credit_limit=Decimal("5000.00"))
    return CreditLimitChange.objects.create(
        account=account,
        old_limit=Decimal("5000.00"),
        new_limit=Decimal("2000.00"),
        reason_code=CreditLimitChange.Reason.DELINQUENCY,
        explanation="x",
        effective_at=NOW,
        **fields,
    )


def test_a_dispute_status_cannot_be_set_by_hand() -> None:
    dispute = a_dispute()

    with pytest.raises(AttributeError):
        dispute.status = Dispute.Status.UPHELD


def test_deciding_a_dispute_records_the_outcome_once() -> None:
    dispute = a_dispute()

    dispute.decide(outcome=Dispute.Status.REJECTED, text="the amount is right", at=NOW)
    dispute.save()

    dispute.refresh_from_db()
    assert (dispute.status, dispute.outcome, dispute.resolved_at) == (
        Dispute.Status.REJECTED,
        "the amount is right",
        NOW,
    )
    with pytest.raises(TransitionNotAllowed):
        dispute.decide(outcome=Dispute.Status.UPHELD, text="again", at=NOW)


def test_a_limit_change_status_cannot_be_set_by_hand() -> None:
    change = a_change()

    with pytest.raises(AttributeError):
        change.status = ST.APPLIED


@pytest.mark.parametrize(
    ("applied", "uphold_to", "reverse_to"),
    [(False, ST.SCHEDULED, ST.CANCELLED), (True, ST.APPLIED, ST.REVERSED)],
)
def test_an_appeal_returns_to_where_the_change_stood_or_undoes_it(
    applied: bool, uphold_to: str, reverse_to: str
) -> None:
    upheld, reversed_ = a_change(), a_change()
    for change in (upheld, reversed_):
        if applied:
            change.apply(at=NOW)
        change.appeal(text="please", at=NOW)
        assert change.status == ST.UNDER_REVIEW

    upheld.uphold()
    reversed_.reverse()

    assert (upheld.status, reversed_.status) == (uphold_to, reverse_to)


def test_a_cancelled_change_can_be_neither_applied_nor_appealed() -> None:
    change = a_change()
    change.cancel()

    with pytest.raises(TransitionNotAllowed):
        change.apply(at=NOW)
    with pytest.raises(TransitionNotAllowed):
        change.appeal(text="x", at=NOW)
