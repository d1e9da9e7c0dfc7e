"""The work queue stays right without recomputing the book (issue 13 goal 1 with issue 14's queue).

A row is recomputed when something changes it: an event (a transition, an opening, a contact attempt, a
promise), the cycle's review of its account, or the clock (its ``refresh_at``: a call stretch starts or
ends, a callback or promise comes due, a broken promise or plan stops counting). Between those instants
the stored row is what a recomputation would give, so the daily cycle need not touch it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import User
from debt_collections import services
from debt_collections.cycle import cycle_run
from debt_collections.kernel.audit import Actor
from debt_collections.models import CaseState, CollectionCase, HoldReason, QueueEntry
from debt_collections.services import cases as case_services
from debt_collections.services import queue as queue_services
from debt_collections.services.promises import promise_take, promises_decide_due
from debt_collections.services.queue import queue_refresh, queue_refresh_due, queue_refresh_due_all
from tests.debt_collections.negotiation_support import NOW, case_with_phone, negotiation_env
from tests.debt_collections.test_queue import can_call_now, gate_allows_a_call, log_call
from tests.factories import SYSTEM, CreditAccountFactory, CustomerFactory, PhoneFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("negotiation_env")]
__all__ = ["negotiation_env"]

SNAPSHOT = ("score", "reasons", "next_action", "call_from", "call_until", "call_next_from", "call_next_until")


def snapshot(case: CollectionCase, t: datetime) -> dict[str, Any]:
    """The row as of ``t``: a stretch already open at ``t`` is "from t" (what a computation at t says)."""
    row = QueueEntry.objects.get(case=case)
    values = {f: getattr(row, f) for f in SNAPSHOT}
    if values["call_from"] is not None and values["call_from"] <= t:
        values["call_from"] = t
    return values


@pytest.fixture
def varied(agent: User) -> list[CollectionCase]:
    """Cases whose rows change by the clock for different reasons."""
    plain, _ = case_with_phone()
    quiet, quiet_phone = case_with_phone()
    log_call(quiet, quiet_phone, agent, NOW - timedelta(days=1), connected=True, conversation=True)
    capped, capped_phone = case_with_phone()
    for minutes in (10, 20, 30):
        log_call(capped, capped_phone, agent, NOW - timedelta(minutes=minutes), connected=True)
    new_york, _ = case_with_phone(jurisdiction="US")
    london, _ = case_with_phone(jurisdiction="UK")
    promised, _ = case_with_phone()
    promise_take(
        case_id=promised.pk,
        amount=Decimal("10.00"),
        due_date=NOW.date() + timedelta(days=1),
        channel="call",
        actor=Actor.for_user(agent),
        now=NOW,
    )
    called_back, _ = case_with_phone()
    services.callback_request(
        case_id=called_back.pk,
        window_start=NOW + timedelta(days=1, hours=2),  # 14:00 in Shanghai tomorrow: +60 from 13:00
        window_end=NOW + timedelta(days=1, hours=3),
        actor=Actor.for_user(agent),
        now=NOW,
    )
    return [plain, quiet, capped, new_york, london, promised, called_back]


def test_until_its_refresh_at_a_row_is_what_a_recomputation_gives(varied: list[CollectionCase]) -> None:
    """Walk two days in 37-minute steps. Whenever the clock has not reached a row's ``refresh_at``, the
    stored row equals a fresh computation and "can call now" agrees with the gate; at ``refresh_at`` the due
    refresh picks it up. So skipping rows that are not due loses nothing."""
    queue_refresh(case_ids=[c.pk for c in varied], now=NOW)
    t = NOW
    picked = 0
    while t < NOW + timedelta(days=2):
        t += timedelta(minutes=37)
        promises_decide_due(as_of=t.date(), now=t)  # the follow-up task of the promise, when it comes due
        stored = {c.pk: snapshot(c, t) for c in varied}
        due = set(QueueEntry.objects.filter(refresh_at__lte=t).values_list("case_id", flat=True))
        for case in varied:
            assert can_call_now(QueueEntry.objects.get(case=case), t) == gate_allows_a_call(case, t) or (
                case.pk in due
            ), (case.pk, t)
        queue_refresh(case_ids=[c.pk for c in varied if c.pk not in due], now=t)
        for case in varied:
            if case.pk not in due:
                assert snapshot(case, t) == stored[case.pk], (case.pk, t)
        picked += queue_refresh_due(now=t)
        assert not QueueEntry.objects.filter(refresh_at__lte=t).exists()
        pending = QueueEntry.objects.exclude(refresh_at=None).values_list("refresh_at", flat=True)
        assert all(r is not None and r > t for r in pending)
    assert picked > len(varied)  # stretches start and end: rows came due, more than once


def test_a_transition_updates_the_queue_when_it_commits(django_capture_on_commit_callbacks: Any) -> None:
    held, _ = case_with_phone()
    resolved, _ = case_with_phone(
        principal=Decimal("0"), interest=Decimal("0"), fees=Decimal("0"), penalty_interest=Decimal("0")
    )
    queue_refresh(case_ids=[held.pk, resolved.pk], now=NOW)
    assert QueueEntry.objects.count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        services.case_hold(
            case_id=held.pk, hold_reason=HoldReason.HARDSHIP, actor=SYSTEM, now=NOW, reason="hardship review"
        )
        services.case_resolve(case_id=resolved.pk, actor=SYSTEM, now=NOW, reason="paid in full")

    assert not QueueEntry.objects.exists()


def test_a_case_opened_by_hand_enters_the_queue(django_capture_on_commit_callbacks: Any) -> None:
    customer = CustomerFactory.create()
    PhoneFactory.create(customer=customer)
    account = CreditAccountFactory.create(customer=customer, days_past_due=20)

    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_open(account=account, actor=SYSTEM, now=NOW)

    assert QueueEntry.objects.filter(case=case, computed_at=NOW).exists()


D = date(2026, 3, 2)
CYCLE_AT = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def test_the_cycle_touches_the_queue_rows_of_the_days_changes_only(
    time_machine: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    """The cycle computes the rows of the cases it changed one by one (here: an escalation) and marks the
    rows of the accounts it reviewed due; every other row is left to its own ``refresh_at``."""
    time_machine.move_to(CYCLE_AT, tick=False)
    accounts = []
    for dpd in (3, 6, 9, 14, 20, 40):  # day 15 is the escalation rung: the 14 crosses a threshold tomorrow
        customer = CustomerFactory.create()
        PhoneFactory.create(customer=customer)
        accounts.append(
            CreditAccountFactory.create(customer=customer, due_date=D - timedelta(days=dpd), days_past_due=0)
        )
    with django_capture_on_commit_callbacks(execute=True):
        cycle_run(as_of=D, now=CYCLE_AT)
    first = dict(QueueEntry.objects.values_list("case_id", "computed_at"))
    assert len(first) == len(accounts) and set(first.values()) == {CYCLE_AT}

    computed: list[int] = []
    marked: list[int] = []
    real_refresh, real_mark = queue_services.queue_refresh, queue_services.queue_mark_due

    def spy_refresh(**kw: Any) -> int:
        computed.extend(kw["case_ids"])
        return real_refresh(**kw)

    def spy_mark(**kw: Any) -> int:
        marked.extend(kw["case_ids"])
        return real_mark(**kw)

    monkeypatch.setattr(queue_services, "queue_refresh", spy_refresh)
    monkeypatch.setattr(queue_services, "queue_mark_due", spy_mark)
    next_day = CYCLE_AT + timedelta(days=1)
    time_machine.move_to(next_day, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        cycle_run(as_of=D + timedelta(days=1), now=next_day)

    reviewed = set(
        CollectionCase.objects.filter(account__dpd_on=D + timedelta(days=1)).values_list("pk", flat=True)
    )
    escalated = CollectionCase.objects.get(account=accounts[3])
    assert escalated.state == CaseState.ACTIVE
    assert set(computed) == {escalated.pk}
    assert set(marked) | set(computed) == reviewed
    assert reviewed and len(reviewed) < len(accounts)  # some crossed a threshold, the rest were left alone
    assert QueueEntry.objects.get(case=escalated).computed_at == next_day


def test_the_page_recomputes_stale_rows_before_showing_them(
    client_for: Any, supervisor: User, time_machine: Any
) -> None:
    case, _ = case_with_phone()
    queue_refresh(case_ids=[case.pk], now=NOW)
    row = QueueEntry.objects.get(case=case)
    assert row.refresh_at is not None and row.refresh_at > NOW
    later = row.refresh_at + timedelta(hours=30)
    time_machine.move_to(later, tick=False)

    client_for(supervisor).get("/admin/collections/queueentry/")

    row.refresh_from_db()
    assert row.computed_at == later and row.refresh_at is not None and row.refresh_at > later


def test_a_bulk_change_marks_its_rows_due_and_the_refresh_computes_them(
    monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """More than ``IMMEDIATE_MAX`` cases in one change (the cycle, a bulk action): their rows are marked due
    in the change's transaction, a new case gets a placeholder, and the due refresh computes them all."""
    monkeypatch.setattr(queue_services, "IMMEDIATE_MAX", 1)
    held, _ = case_with_phone()
    queue_refresh(case_ids=[held.pk], now=NOW)
    customers = [CustomerFactory.create() for _ in range(2)]
    for customer in customers:
        PhoneFactory.create(customer=customer)
    accounts = [CreditAccountFactory.create(customer=c, days_past_due=20) for c in customers]

    with django_capture_on_commit_callbacks(execute=True):
        opened = case_services.case_open_many(
            account_ids=[a.pk for a in accounts], actor=SYSTEM, now=NOW, reason="test"
        )
        services.case_transition_many(
            case_ids=[held.pk, opened[0].pk],
            name="hold",
            actor=SYSTEM,
            now=NOW,
            params={"hold_reason": "hardship"},
        )

    assert set(QueueEntry.objects.filter(refresh_at__lte=NOW).values_list("case_id", flat=True)) == {
        held.pk,
        *(c.pk for c in opened),
    }
    assert QueueEntry.objects.get(case=opened[1]).reasons == [queue_services.PENDING_REASON]

    assert queue_refresh_due_all(now=NOW) == 3

    assert set(QueueEntry.objects.values_list("case_id", flat=True)) == {opened[1].pk}  # the held ones left
    assert QueueEntry.objects.get(case=opened[1]).reasons != [queue_services.PENDING_REASON]
