"""Payments: idempotent by external reference, allocated in the pack's order, never to a disputed amount,
and the case follows (installments paid, plan completed, case resolved) (DESIGN §8)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from accounts.models import User
from debt_collections import services
from debt_collections.errors import InvalidInput, NotPermitted
from debt_collections.kernel.audit import Actor
from debt_collections.models import AuditEvent, CaseState, CollectionCase, Payment, PlanState
from tests.debt_collections.negotiation_support import NOW, balances, case_with_phone, negotiation_env
from tests.factories import SYSTEM, CreditAccountFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("negotiation_env")]
__all__ = ["negotiation_env"]

D = Decimal
FEED = Actor.system("payments_feed")


def pay(
    case: CollectionCase,
    amount: str,
    ref: str = "PAY-1",
    *,
    currency: str | None = None,
    actor: Actor = FEED,
    now: datetime = NOW,
    overpayment: bool = False,
) -> Payment:
    return services.payment_record(
        allow_overpayment=overpayment,
        account_id=case.account_id,
        external_reference=ref,
        amount=D(amount),
        currency=currency or case.account.currency,
        received_at=now - timedelta(hours=1),
        actor=actor,
        now=now,
    )


# --- idempotency --------------------------------------------------------------------------------------


def test_the_same_reference_twice_records_one_payment_and_one_allocation() -> None:
    case, _phone = case_with_phone()

    first = pay(case, "200.00")
    second = pay(case, "200.00", now=NOW + timedelta(minutes=5))

    assert second.pk == first.pk
    assert Payment.objects.count() == 1
    assert balances(case.account)["interest"] == D("250.00")  # reduced once: 50 + 100 + 50
    assert AuditEvent.objects.filter(action="payment.recorded").count() == 1


def test_the_same_reference_with_a_different_amount_is_a_conflict() -> None:
    case, _phone = case_with_phone()
    pay(case, "200.00")

    with pytest.raises(InvalidInput) as refused:
        pay(case, "201.00")

    assert refused.value.code == "reference_conflict"
    assert Payment.objects.count() == 1


def test_the_same_reference_on_another_account_is_a_conflict() -> None:
    case, _phone = case_with_phone()
    other, _ = case_with_phone()
    pay(case, "200.00")

    with pytest.raises(InvalidInput) as refused:
        pay(other, "200.00")

    assert refused.value.code == "reference_conflict"


def test_a_payment_in_another_currency_than_the_account_is_refused() -> None:
    case, _phone = case_with_phone()

    with pytest.raises(InvalidInput) as refused:
        pay(case, "200.00", currency="USD")

    assert refused.value.code == "currency_mismatch"
    assert not Payment.objects.exists()


def test_an_amount_with_more_precision_than_the_currency_is_refused() -> None:
    case, _phone = case_with_phone()

    with pytest.raises(InvalidInput):
        pay(case, "10.005")


# --- allocation order ---------------------------------------------------------------------------------


def test_cn_allocates_to_penalty_interest_then_fees_then_interest_then_principal() -> None:
    case, _phone = case_with_phone(jurisdiction="CN")

    payment = pay(case, "200.00")

    assert payment.allocation["order"] == ["penalty_interest", "fees", "interest", "principal"]
    assert payment.allocation["applied"] == {
        "penalty_interest": "50.00",
        "fees": "100.00",
        "interest": "50.00",
        "principal": "0.00",
    }
    assert balances(case.account) == {
        "principal": D("5000.00"),
        "interest": D("250.00"),
        "fees": D("0.00"),
        "penalty_interest": D("0.00"),
    }


def test_us_allocates_to_interest_then_principal_before_charges() -> None:
    case, _phone = case_with_phone(jurisdiction="US")

    payment = pay(case, "400.00")

    assert payment.allocation["order"] == ["interest", "principal", "fees", "penalty_interest"]
    assert balances(case.account) == {
        "principal": D("4900.00"),
        "interest": D("0.00"),
        "fees": D("100.00"),
        "penalty_interest": D("50.00"),
    }


def test_a_disputed_amount_is_never_allocated_and_the_rest_stays_unapplied(agent: User) -> None:
    case, _phone = case_with_phone(principal=D("0.00"), interest=D("0.00"))  # fees 100, penalty 50
    services.dispute_open(
        case_id=case.pk,
        kind="amount_wrong",
        description="The penalty interest was charged twice.",
        channel="phone",
        actor=Actor.for_user(agent),
        disputed_amount=D("30.00"),
        disputed_component="penalty_interest",
        now=NOW,
    )

    payment = pay(case, "150.00", now=NOW + timedelta(hours=1))

    assert payment.allocation["applied"]["penalty_interest"] == "20.00"
    assert payment.allocation["applied"]["fees"] == "100.00"
    assert payment.allocation["unapplied"] == "30.00"
    assert payment.allocation["withheld_by_dispute"] == {"penalty_interest": "30.00"}
    assert balances(case.account)["penalty_interest"] == D("30.00")


def test_a_dispute_of_a_whole_component_withholds_all_of_it(agent: User) -> None:
    case, _phone = case_with_phone()
    services.dispute_open(
        case_id=case.pk,
        kind="amount_wrong",
        description="The fees are not in my contract.",
        channel="email",
        actor=Actor.for_user(agent),
        disputed_component="fees",
        now=NOW,
    )

    payment = pay(case, "6000.00", now=NOW + timedelta(hours=1), overpayment=True)

    assert payment.allocation["applied"]["fees"] == "0.00"
    assert balances(case.account)["fees"] == D("100.00")
    assert payment.allocation["unapplied"] == "650.00"  # 100 disputed + 550 overpaid


# --- what the case does -------------------------------------------------------------------------------


def test_paying_the_whole_balance_resolves_the_case_and_keeps_an_overpayment_unapplied() -> None:
    case, _phone = case_with_phone(CaseState.ACTIVE)

    payment = pay(case, "5500.00", overpayment=True)

    case.refresh_from_db()
    assert case.state == CaseState.RESOLVED
    assert payment.allocation["unapplied"] == "50.00"
    assert sum(balances(case.account).values()) == D("0.00")
    resolve = AuditEvent.objects.get(case_id=case.pk, action="case.resolve")
    assert resolve.actor == "system:settlement"
    assert "PAY-1" in resolve.payload["reason"]


def test_a_partial_payment_leaves_the_case_where_it_was() -> None:
    case, _phone = case_with_phone(CaseState.ACTIVE)

    pay(case, "100.00")

    case.refresh_from_db()
    assert case.state == CaseState.ACTIVE


def test_paying_every_installment_completes_the_plan_and_resolves_the_case() -> None:
    case, _phone = case_with_phone(CaseState.NEGOTIATING)
    plan = services.plan_accept_option(case_id=case.pk, option_code="installment:3", actor=SYSTEM, now=NOW)

    pay(case, "1816.67", "INST-1", now=NOW + timedelta(days=31))
    pay(case, "1000.00", "INST-2a", now=NOW + timedelta(days=60))
    plan.refresh_from_db()
    assert plan.state == PlanState.ACCEPTED
    assert list(plan.installments.order_by("number").values_list("paid_amount", flat=True)) == [
        D("1816.67"),
        D("1000.00"),
        D("0.00"),
    ]

    pay(case, "2633.33", "INST-rest", now=NOW + timedelta(days=90))

    plan.refresh_from_db()
    case.refresh_from_db()
    assert plan.state == PlanState.COMPLETED
    assert case.state == CaseState.RESOLVED
    assert all(i.is_paid for i in plan.installments.all())


def test_a_payment_on_an_account_without_an_open_case_is_still_recorded() -> None:
    account = CreditAccountFactory.create(status="current", days_past_due=0)

    payment = services.payment_record(
        account_id=account.pk,
        external_reference="NOCASE-1",
        amount=D("100.00"),
        currency="CNY",
        received_at=NOW,
        actor=FEED,
        now=NOW,
    )

    assert payment.case is None
    assert balances(account)["penalty_interest"] == D("0.00")


def test_an_agency_user_cannot_record_a_payment_on_another_agencys_case(other_agency_agent: User) -> None:
    case, _phone = case_with_phone()

    with pytest.raises(NotPermitted):
        pay(case, "100.00", actor=Actor.for_user(other_agency_agent))

    assert not Payment.objects.exists()


def test_compliance_officers_do_not_record_payments(compliance: User) -> None:
    case, _phone = case_with_phone()

    with pytest.raises(NotPermitted):
        pay(case, "100.00", actor=Actor.for_user(compliance))


def test_paying_off_a_balance_in_awkward_cents_is_exact_to_the_last_cent() -> None:
    # Regression: balances were reduced with ``F(c) - v``, which SQLite computes in floating point, so
    # after a few payments the last one no longer matched the "balance still covers it" condition.
    case, _phone = case_with_phone(
        principal=D("4302.00"), interest=D("728.02"), fees=D("0"), penalty_interest=D("0")
    )
    for n, amount in enumerate(["838.34", "838.34", "838.34", "838.34", "838.33"]):
        pay(case, amount, ref=f"PAY-{n}", now=NOW + timedelta(minutes=n))

    pay(case, "838.35", ref="PAY-last", now=NOW + timedelta(minutes=10), overpayment=True)

    assert sum(balances(case.account).values()) == D("0.00")
    case.refresh_from_db()
    assert case.state == CaseState.RESOLVED
