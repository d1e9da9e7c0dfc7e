"""Promises to pay (issue 14): taken, replaced, cancelled, and decided by payments in the daily cycle:
kept exactly up to the end of the grace day, partial payments counted together, broken after it, one
follow-up task on the due date."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import User
from debt_collections import services
from debt_collections.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from debt_collections.kernel.audit import Actor
from debt_collections.models import CaseState, CaseTask, CollectionCase, PromiseState, PromiseToPay
from debt_collections.services.promises import deadline, promise_cancel, promise_take, promises_decide_due
from debt_collections.services.work_cycle import cycle_step
from tests.debt_collections.negotiation_support import NOW, actions, case_with_phone, negotiation_env, notices

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("negotiation_env")]
__all__ = ["negotiation_env"]

D = Decimal
FEED = Actor.system("payments_feed")
TODAY = date(2026, 3, 2)  # NOW's date in Shanghai
GRACE = 5  # the CN pack's plan_grace_days


def take(
    case: CollectionCase, user: User, amount: str = "300.00", due: date = TODAY + timedelta(days=3), **kw: Any
) -> PromiseToPay:
    return promise_take(
        case_id=case.pk,
        amount=D(amount),
        due_date=due,
        channel=kw.pop("channel", "call"),
        actor=Actor.for_user(user),
        now=kw.pop("now", NOW),
        **kw,
    )


def pay(case: CollectionCase, amount: str, at: datetime, ref: str) -> None:
    services.payment_record(
        account_id=case.account_id,
        external_reference=ref,
        amount=D(amount),
        currency=case.account.currency,
        received_at=at,
        actor=FEED,
        now=at,
    )


def decide(as_of: date, now: datetime) -> Any:
    return promises_decide_due(as_of=as_of, now=now)


def test_taking_a_promise_records_it_audits_it_and_queues_the_confirmation(agent: User) -> None:
    case, _phone = case_with_phone()

    promise = take(case, agent)

    assert promise.state == PromiseState.OPEN
    assert promise.amount == D("300.00") and promise.grace_days == GRACE
    assert promise.taken_by_user == agent
    assert "promise.taken" in actions(case)
    [notice] = notices(case, "promise.confirmation")
    assert "300.00" in notice.body and "2026-03-05" in notice.body


def test_a_new_promise_replaces_the_open_one_visibly(agent: User) -> None:
    case, _phone = case_with_phone()
    first = take(case, agent, "100.00")

    second = take(case, agent, "200.00", now=NOW + timedelta(minutes=5))

    first.refresh_from_db()
    assert first.state == PromiseState.CANCELLED
    assert first.replaced_by == second
    assert first.end_reason == f"replaced by promise {second.pk}"
    assert second.state == PromiseState.OPEN
    assert actions(case).count("promise.replaced") == 1


def test_payments_covering_the_promise_keep_it(agent: User) -> None:
    case, _phone = case_with_phone()
    promise = take(case, agent, "300.00")
    pay(case, "300.00", NOW + timedelta(hours=2), "P-1")

    step = decide(TODAY, NOW + timedelta(hours=3))

    promise.refresh_from_db()
    assert (step.kept, step.broken) == (1, 0)
    assert promise.state == PromiseState.KEPT and promise.paid_amount == D("300.00")


def test_partial_payments_count_together(agent: User) -> None:
    case, _phone = case_with_phone()
    promise = take(case, agent, "300.00")
    pay(case, "100.00", NOW + timedelta(hours=1), "P-1")
    decide(TODAY, NOW + timedelta(hours=2))
    promise.refresh_from_db()
    assert promise.state == PromiseState.OPEN  # 100 of 300 so far

    pay(case, "200.00", NOW + timedelta(days=1), "P-2")
    decide(TODAY + timedelta(days=1), NOW + timedelta(days=1, hours=1))

    promise.refresh_from_db()
    assert promise.state == PromiseState.KEPT and promise.paid_amount == D("300.00")


def test_a_payment_before_the_promise_was_taken_does_not_count(agent: User) -> None:
    case, _phone = case_with_phone()
    pay(case, "300.00", NOW - timedelta(hours=1), "P-0")
    promise = take(case, agent, "300.00")

    decide(TODAY, NOW + timedelta(hours=1))

    promise.refresh_from_db()
    assert promise.state == PromiseState.OPEN


def test_kept_exactly_at_the_grace_boundary_and_broken_one_second_later(agent: User) -> None:
    kept_case, _ = case_with_phone()
    late_case, _ = case_with_phone()
    due = TODAY + timedelta(days=3)
    kept = take(kept_case, agent, "300.00", due)
    late = take(late_case, agent, "300.00", due)
    end = deadline(kept_case, kept)
    # Midnight in Shanghai after due + 5 days = 16:00 UTC the day before.
    assert end == datetime.fromisoformat("2026-03-10T16:00:00+00:00")
    pay(kept_case, "300.00", end - timedelta(seconds=1), "P-IN")
    pay(late_case, "300.00", end, "P-LATE")

    last_grace_day = due + timedelta(days=GRACE)
    still_open = decide(last_grace_day, end - timedelta(hours=1))
    late.refresh_from_db()
    assert late.state == PromiseState.OPEN and still_open.broken == 0

    step = decide(last_grace_day + timedelta(days=1), end + timedelta(hours=1))

    kept.refresh_from_db()
    late.refresh_from_db()
    assert kept.state == PromiseState.KEPT
    assert late.state == PromiseState.BROKEN and late.paid_amount == D("0.00")
    assert (step.kept, step.broken) == (1, 1)


def test_an_unpaid_promise_breaks_after_the_grace_days(agent: User) -> None:
    case, _phone = case_with_phone()
    due = TODAY + timedelta(days=1)
    promise = take(case, agent, "300.00", due)
    pay(case, "50.00", NOW + timedelta(hours=1), "P-1")

    decide(due + timedelta(days=GRACE), NOW + timedelta(days=1 + GRACE))  # the last grace day: still open
    promise.refresh_from_db()
    assert promise.state == PromiseState.OPEN
    decide(due + timedelta(days=GRACE + 1), NOW + timedelta(days=2 + GRACE))

    promise.refresh_from_db()
    assert promise.state == PromiseState.BROKEN and promise.paid_amount == D("50.00")
    assert "promise.broken" in actions(case)


def test_the_follow_up_task_is_created_once_on_the_due_date(agent: User) -> None:
    case, _phone = case_with_phone()
    due = TODAY + timedelta(days=2)
    promise = take(case, agent, "300.00", due)

    assert decide(TODAY + timedelta(days=1), NOW + timedelta(days=1)).follow_ups == 0
    first = decide(due, NOW + timedelta(days=2))
    second = decide(due, NOW + timedelta(days=2, hours=1))
    third = decide(due + timedelta(days=1), NOW + timedelta(days=3))

    assert (first.follow_ups, second.follow_ups, third.follow_ups) == (1, 0, 0)
    [task] = CaseTask.objects.filter(case=case, kind=CaseTask.Kind.PROMISE_FOLLOW_UP)
    promise.refresh_from_db()
    assert promise.follow_up == task
    # 08:00 in Shanghai on the due date (the CN contact window opens) = 00:00 UTC.
    assert task.due_at == datetime.fromisoformat("2026-03-04T00:00:00+00:00")


def test_the_cycle_step_decides_promises_and_a_rerun_changes_nothing(agent: User) -> None:
    case, _phone = case_with_phone()
    take(case, agent, "300.00")
    pay(case, "300.00", NOW + timedelta(hours=1), "P-1")
    later = NOW + timedelta(hours=2)

    assert cycle_step(as_of=TODAY, now=later, lo=case.account_id, hi=case.account_id) == []
    events = len(actions(case))
    cycle_step(as_of=TODAY, now=later, lo=case.account_id, hi=case.account_id)

    assert len(actions(case)) == events
    assert PromiseToPay.objects.get(case=case).state == PromiseState.KEPT


def test_cancel_needs_a_reason_and_is_not_repeatable(agent: User) -> None:
    case, _phone = case_with_phone()
    promise = take(case, agent)
    with pytest.raises(InvalidInput):
        promise_cancel(promise_id=promise.pk, reason=" ", actor=Actor.for_user(agent), now=NOW)

    promise_cancel(promise_id=promise.pk, reason="keyed by mistake", actor=Actor.for_user(agent), now=NOW)

    with pytest.raises(TransitionNotAllowed):
        promise_cancel(promise_id=promise.pk, reason="again", actor=Actor.for_user(agent), now=NOW)
    assert PromiseToPay.objects.get(pk=promise.pk).state == PromiseState.CANCELLED


@pytest.mark.parametrize(
    ("amount", "due", "code"),
    [
        ("0", TODAY, "invalid_amount"),
        ("1.001", TODAY, "invalid_amount"),
        ("999999.00", TODAY, "amount_over_balance"),
        ("10.00", TODAY - timedelta(days=1), "invalid_due_date"),
        ("10.00", TODAY + timedelta(days=31), "invalid_due_date"),
    ],
)
def test_invalid_promises_are_refused(agent: User, amount: str, due: date, code: str) -> None:
    case, _phone = case_with_phone()
    with pytest.raises(InvalidInput) as refused:
        take(case, agent, amount, due)
    assert refused.value.code == code


def test_a_case_on_hold_takes_no_promise(agent: User) -> None:
    case, _phone = case_with_phone(CaseState.ON_HOLD)
    with pytest.raises(InvalidInput) as refused:
        take(case, agent)
    assert refused.value.code == "case_on_hold"


def test_compliance_officers_and_other_agencies_cannot_take_promises(
    compliance: User, other_agency_agent: User, agency: Any
) -> None:
    case, _phone = case_with_phone()
    services.case_place_with_agency(case_id=case.pk, agency=agency, actor=Actor.system("test"), now=NOW)
    with pytest.raises(NotPermitted):
        take(case, compliance)
    with pytest.raises(NotFound):
        take(case, other_agency_agent)
    assert not PromiseToPay.objects.exists()


def test_the_customer_link_can_take_a_promise() -> None:
    case, _phone = case_with_phone()
    promise = promise_take(
        case_id=case.pk,
        amount=D("120.00"),
        due_date=TODAY + timedelta(days=7),
        channel="page",
        actor=Actor.link("abc"),
        now=NOW,
    )
    assert promise.taken_by == "link:abc" and promise.taken_by_user is None
