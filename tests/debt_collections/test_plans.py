"""Repayment plans through the services: exact schedules, acceptance, cooling-off, deferrals, and the
daily cycle's activation and breaking (DESIGN §4, §7, §8)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import CreditAccount, User
from debt_collections import selectors, services
from debt_collections.cycle import cycle_run
from debt_collections.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from debt_collections.kernel.audit import Actor
from debt_collections.models import AuditEvent, CaseState, Installment, PlanState, RepaymentPlan
from tests.debt_collections.negotiation_support import (
    NOW,
    actions,
    case_with_phone,
    negotiation_env,
    notices,
)
from tests.factories import SYSTEM, PhoneFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("negotiation_env")]
__all__ = ["negotiation_env"]  # the fixture, imported for pytest

D = Decimal
CUSTOMER = Actor.link("test-link")


def accept(
    case_id: int,
    code: str,
    actor: Actor = CUSTOMER,
    *,
    now: datetime = NOW,
    contact_point_id: int | None = None,
) -> RepaymentPlan:
    return services.plan_accept_option(
        case_id=case_id, option_code=code, actor=actor, now=now, contact_point_id=contact_point_id
    )


# --- exact schedules ----------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cents=st.integers(min_value=150_00, max_value=2_000_000_00),
    fees=st.integers(min_value=0, max_value=999_99),
    term=st.sampled_from([3, 6, 12, 24, 36, 48, 60]),
)
def test_installments_sum_exactly_to_awkward_totals_through_the_service(
    cents: int, fees: int, term: int
) -> None:
    case, _phone = case_with_phone(
        principal=D(cents).scaleb(-2), interest=D("0.01"), fees=D(fees).scaleb(-2), penalty_interest=D("0.00")
    )
    total = case.account.total_due
    code = f"installment:{term}"
    if code not in selectors.negotiation_options(case=case, now=NOW).codes:
        with pytest.raises(InvalidInput) as refused:
            accept(case.pk, code)
        assert refused.value.code == "option_unavailable"
        return

    plan = accept(case.pk, code)

    amounts = list(plan.installments.order_by("number").values_list("amount", flat=True))
    assert len(amounts) == term
    assert sum(amounts) == plan.total == total
    assert min(amounts) >= D("50.00")
    assert max(amounts) - min(amounts) <= D("0.01")


# --- accepting ----------------------------------------------------------------------------------------


def test_accepting_a_six_month_plan_puts_the_case_on_plan_and_queues_the_confirmation_with_the_schedule() -> (
    None
):
    case, phone = case_with_phone(CaseState.ACTIVE)

    plan = accept(case.pk, "installment:6")

    case.refresh_from_db()
    assert case.state == CaseState.ON_PLAN
    assert plan.state == PlanState.ACCEPTED
    assert plan.kind == RepaymentPlan.Kind.INSTALLMENT
    assert plan.total == D("5450.00")
    assert plan.cooling_off_until == NOW + timedelta(days=14)
    assert plan.accepted_by == CUSTOMER.label
    schedule = list(plan.installments.order_by("number").values_list("due_date", "amount"))
    assert schedule[0] == (date(2026, 4, 2), D("908.34"))
    assert schedule[-1] == (date(2026, 9, 2), D("908.33"))
    [confirmation] = notices(case, "plan.confirmation")
    assert confirmation.contact_point == phone
    assert confirmation.status == "pending"
    assert "5,450.00" in confirmation.body
    assert "1. 2026-04-02 908.34" in confirmation.body
    assert "2026-03-16 12:00" in confirmation.body  # cooling-off end, in the customer's time
    assert actions(case)[-5:] == [
        "case.engage",
        "case.start_plan",
        "plan.accepted",
        "link.create",
        "notice.queued",
    ]


def test_the_confirmation_that_is_sent_still_carries_the_schedule(
    django_capture_on_commit_callbacks: object,
) -> None:
    from notifications.channels import InMemorySmsBackend

    case, _phone = case_with_phone(CaseState.NEGOTIATING)

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        accept(case.pk, "installment:3")

    [sent] = InMemorySmsBackend.outbox
    assert "1. 2026-04-02 1,816.67" in sent.body
    assert "2026-03-16 12:00" in sent.body


def test_paying_in_full_is_a_single_installment_settlement_due_in_a_week() -> None:
    case, _phone = case_with_phone(CaseState.EARLY)

    plan = accept(case.pk, "pay_in_full")

    assert plan.kind == RepaymentPlan.Kind.SETTLEMENT
    assert list(plan.installments.values_list("number", "due_date", "amount")) == [
        (1, date(2026, 3, 9), D("5450.00"))
    ]


def test_the_confirmation_goes_to_the_contact_point_asked_for() -> None:
    case, _phone = case_with_phone()
    second = PhoneFactory.create(customer=case.customer)

    accept(case.pk, "installment:12", contact_point_id=second.pk)

    assert [n.contact_point_id for n in notices(case, "plan.confirmation")] == [second.pk]


def test_a_contact_point_of_another_customer_is_refused_and_nothing_is_stored() -> None:
    case, _phone = case_with_phone()
    stranger = PhoneFactory.create()

    with pytest.raises(InvalidInput) as refused:
        accept(case.pk, "installment:12", contact_point_id=stranger.pk)

    assert refused.value.code == "not_found"
    case.refresh_from_db()
    assert case.state == CaseState.ACTIVE
    assert not RepaymentPlan.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    ("code", "error"),
    [("installment:7", "option_unavailable"), ("bogus", "option_unavailable"), ("hardship", "not_a_plan")],
)
def test_unknown_or_unavailable_codes_are_refused(code: str, error: str) -> None:
    case, _phone = case_with_phone()

    with pytest.raises(InvalidInput) as refused:
        accept(case.pk, code)

    assert refused.value.code == error
    assert not RepaymentPlan.objects.filter(case=case).exists()


def test_a_case_on_hold_cannot_start_a_plan() -> None:
    case, _phone = case_with_phone(CaseState.ON_HOLD)

    with pytest.raises(InvalidInput) as refused:
        accept(case.pk, "installment:6")

    assert refused.value.code == "case_on_hold"


def test_a_case_with_a_live_plan_cannot_start_another() -> None:
    case, _phone = case_with_phone()
    accept(case.pk, "installment:6")

    with pytest.raises(InvalidInput) as refused:
        accept(case.pk, "installment:12")

    assert refused.value.code == "live_plan"
    assert RepaymentPlan.objects.filter(case=case).count() == 1


def test_the_database_refuses_a_second_live_plan_even_past_the_service() -> None:
    case, _phone = case_with_phone()
    plan = accept(case.pk, "installment:6")

    with pytest.raises(IntegrityError), transaction.atomic():
        RepaymentPlan.objects.create(
            case=case,
            kind="installment",
            state=PlanState.ACCEPTED,
            currency="CNY",
            total=D("1.00"),
            first_due_date=date(2026, 4, 2),
            offered_at=NOW,
            offered_by="x",
            policy_version=plan.policy_version,
        )


def test_compliance_officers_do_not_negotiate(compliance: User) -> None:
    case, _phone = case_with_phone()

    with pytest.raises(NotPermitted):
        accept(case.pk, "installment:6", actor=Actor.for_user(compliance))


def test_an_agent_offer_can_be_accepted_later_and_the_other_offers_lapse(agent: User) -> None:
    case, _phone = case_with_phone(CaseState.ACTIVE)
    six = services.plan_offer(
        case_id=case.pk, option_code="installment:6", actor=Actor.for_user(agent), now=NOW
    )
    twelve = services.plan_offer(
        case_id=case.pk, option_code="installment:12", actor=Actor.for_user(agent), now=NOW
    )
    case.refresh_from_db()
    assert case.state == CaseState.NEGOTIATING

    services.plan_accept(plan_id=twelve.pk, actor=CUSTOMER, now=NOW + timedelta(hours=1))

    six.refresh_from_db()
    twelve.refresh_from_db()
    case.refresh_from_db()
    assert (six.state, twelve.state, case.state) == (
        PlanState.CANCELLED,
        PlanState.ACCEPTED,
        CaseState.ON_PLAN,
    )


def test_an_offer_made_before_the_balance_changed_is_outdated(agent: User) -> None:
    case, _phone = case_with_phone()
    offer = services.plan_offer(
        case_id=case.pk, option_code="installment:6", actor=Actor.for_user(agent), now=NOW
    )
    CreditAccount.objects.filter(pk=case.account_id).update(fees=D("0.00"))

    with pytest.raises(InvalidInput) as refused:
        services.plan_accept(plan_id=offer.pk, actor=CUSTOMER, now=NOW)

    assert refused.value.code == "offer_outdated"


# --- cooling-off --------------------------------------------------------------------------------------


def test_withdrawing_within_cooling_off_returns_the_case_to_negotiating() -> None:
    case, _phone = case_with_phone()
    plan = accept(case.pk, "installment:6")

    services.plan_withdraw(
        plan_id=plan.pk, actor=CUSTOMER, now=NOW + timedelta(days=14) - timedelta(seconds=1)
    )

    plan.refresh_from_db()
    case.refresh_from_db()
    assert plan.state == PlanState.WITHDRAWN
    assert case.state == CaseState.NEGOTIATING
    assert actions(case)[-2:] == ["plan.withdrawn", "case.withdraw_plan"]


def test_withdrawing_when_cooling_off_has_ended_is_refused() -> None:
    case, _phone = case_with_phone()
    plan = accept(case.pk, "installment:6")

    with pytest.raises(TransitionNotAllowed) as refused:
        services.plan_withdraw(plan_id=plan.pk, actor=CUSTOMER, now=NOW + timedelta(days=14))

    assert refused.value.code == "cooling_off_over"
    plan.refresh_from_db()
    case.refresh_from_db()
    assert (plan.state, case.state) == (PlanState.ACCEPTED, CaseState.ON_PLAN)


def test_an_active_plan_can_no_longer_be_withdrawn() -> None:
    case, _phone = case_with_phone()
    plan = accept(case.pk, "installment:6")
    services.plan_activate_after_cooling_off(as_of=date(2026, 3, 16), now=NOW + timedelta(days=14))

    with pytest.raises(TransitionNotAllowed) as refused:
        services.plan_withdraw(plan_id=plan.pk, actor=CUSTOMER, now=NOW + timedelta(days=14))

    assert refused.value.code == "cooling_off_over"


# --- deferral -----------------------------------------------------------------------------------------


def _settle(plan: RepaymentPlan, ref: str, when: datetime) -> None:
    services.payment_record(
        account_id=plan.case.account_id,
        external_reference=ref,
        amount=plan.total,
        currency=plan.currency,
        received_at=when,
        actor=SYSTEM,
        now=when,
    )


def test_a_deferral_can_be_agreed_once_in_twelve_months_per_account() -> None:
    case, _phone = case_with_phone()
    deferral = accept(case.pk, "deferral:30")
    assert deferral.kind == RepaymentPlan.Kind.DEFERRAL
    assert list(deferral.installments.values_list("due_date", "amount")) == [(date(2026, 4, 1), D("5450.00"))]
    _settle(deferral, "DEF-1", NOW + timedelta(days=20))
    case.refresh_from_db()
    assert case.state == CaseState.RESOLVED
    CreditAccount.objects.filter(pk=case.account_id).update(principal=D("800.00"))
    again = services.case_open(account=case.account, actor=SYSTEM, now=NOW + timedelta(days=60))

    with pytest.raises(InvalidInput) as refused:
        accept(again.pk, "deferral:30", now=NOW + timedelta(days=60))
    assert refused.value.code == "option_unavailable"
    assert "12 months" in refused.value.message

    later = accept(again.pk, "deferral:60", now=NOW + timedelta(days=366))
    assert later.kind == RepaymentPlan.Kind.DEFERRAL


def test_a_deferral_withdrawn_in_cooling_off_does_not_use_the_allowance() -> None:
    case, _phone = case_with_phone()
    first = accept(case.pk, "deferral:30")
    services.plan_withdraw(plan_id=first.pk, actor=CUSTOMER, now=NOW + timedelta(days=1))

    second = services.plan_accept_option(
        case_id=case.pk, option_code="deferral:90", actor=CUSTOMER, now=NOW + timedelta(days=2)
    )

    assert second.state == PlanState.ACCEPTED


# --- the daily cycle ----------------------------------------------------------------------------------


def cycle_at(day: date) -> None:
    report = cycle_run(as_of=day, now=datetime.combine(day, NOW.timetz()).replace(tzinfo=UTC))
    assert report.errors == []


def test_the_cycle_activates_a_plan_once_cooling_off_has_ended() -> None:
    case, _phone = case_with_phone()
    plan = accept(case.pk, "installment:6")

    cycle_at(date(2026, 3, 15))
    plan.refresh_from_db()
    assert plan.state == PlanState.ACCEPTED

    cycle_at(date(2026, 3, 16))
    plan.refresh_from_db()
    assert plan.state == PlanState.ACTIVE


def test_a_missed_installment_past_grace_breaks_the_plan_in_the_cycle_and_queues_plan_broken() -> None:
    case, _phone = case_with_phone()
    plan = accept(case.pk, "installment:3")  # first installment due 2026-04-02, 5 days' grace

    cycle_at(date(2026, 4, 8))

    plan.refresh_from_db()
    case.refresh_from_db()
    assert plan.state == PlanState.BROKEN
    assert "installment 1 due 2026-04-02" in plan.end_reason
    assert case.state == CaseState.ACTIVE
    [broken] = notices(case, "plan.broken")
    assert broken.due_date == date(2026, 4, 2)
    assert "1,816.67" in broken.body
    events = AuditEvent.objects.count()
    cycle_at(date(2026, 4, 8))
    assert AuditEvent.objects.count() == events  # a second run for the same date changes nothing


def test_an_installment_still_within_grace_does_not_break_the_plan() -> None:
    case, _phone = case_with_phone()
    plan = accept(case.pk, "installment:3")

    cycle_at(date(2026, 4, 7))

    plan.refresh_from_db()
    case.refresh_from_db()
    assert plan.state == PlanState.ACTIVE
    assert case.state == CaseState.ON_PLAN
    assert notices(case, "plan.broken") == []


def test_a_paid_installment_does_not_break_the_plan() -> None:
    case, _phone = case_with_phone()
    plan = accept(case.pk, "installment:3")
    Installment.objects.filter(plan=plan, number=1).update(paid_amount=D("1816.67"))

    cycle_at(date(2026, 4, 20))

    plan.refresh_from_db()
    assert plan.state == PlanState.ACTIVE


def test_a_plan_accepted_after_a_withdrawal_on_the_same_day_gets_its_own_confirmation() -> None:
    case, _phone = case_with_phone()
    first = accept(case.pk, "installment:6")
    services.plan_withdraw(plan_id=first.pk, actor=CUSTOMER, now=NOW + timedelta(minutes=5))

    accept(case.pk, "installment:12", now=NOW + timedelta(minutes=10))

    bodies = [n.body for n in notices(case, "plan.confirmation")]
    assert len(bodies) == 2
    assert "454.17" in bodies[1]  # the 12-month installment
