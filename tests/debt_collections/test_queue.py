"""The work queue (issue 14): the documented score orders it, and "may be called now" agrees with the
compliance gate for a sample of cases at several clock times, without evaluating the gate per row."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import ContactPoint, User
from debt_collections import services
from debt_collections.kernel.audit import Actor
from debt_collections.kernel.gate import gate_decide
from debt_collections.models import CaseState, CollectionCase, NextAction, QueueEntry
from debt_collections.services.queue import queue_refresh
from tests.debt_collections.negotiation_support import NOW, case_with_phone, negotiation_env
from tests.factories import SYSTEM, PhoneFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("negotiation_env")]
__all__ = ["negotiation_env"]


def entry(case: CollectionCase) -> QueueEntry:
    return QueueEntry.objects.get(case=case)


def can_call_now(row: QueueEntry, t: datetime) -> bool:
    """What the list's filter says (the same Q, applied in the database)."""
    return QueueEntry.objects.filter(QueueEntry.callable_at(t), pk=row.pk).exists()


def gate_allows_a_call(case: CollectionCase, t: datetime) -> bool:
    case = CollectionCase.objects.select_related("customer", "account").get(pk=case.pk)
    phones = ContactPoint.objects.filter(
        customer_id=case.customer_id, kind="phone", status__in=["verified", "unverified"]
    )
    return any(
        gate_decide(case=case, contact_point=p, channel="call", template=None, actor_user=None, now=t).allowed
        for p in phones
    )


def log_call(case: CollectionCase, phone: ContactPoint, agent: User, at: datetime, **kw: Any) -> None:
    services.contact_attempt_log(
        case_id=case.pk,
        actor=Actor.for_user(agent),
        contact_point_id=phone.pk,
        connected=kw.get("connected", False),
        conversation=kw.get("conversation", False),
        now=at,
    )


@pytest.fixture
def sample(agent: User) -> list[CollectionCase]:
    """Cases whose answers differ: callable now, in a quiet period after a conversation, at the daily
    cap, in New York (night there), on hold, vulnerable, with no phone."""
    plain, _ = case_with_phone()
    quiet, quiet_phone = case_with_phone()
    log_call(quiet, quiet_phone, agent, NOW - timedelta(days=1), connected=True, conversation=True)
    capped, capped_phone = case_with_phone()
    for minutes in (10, 20, 30):
        log_call(capped, capped_phone, agent, NOW - timedelta(minutes=minutes), connected=True)
    new_york, _ = case_with_phone(jurisdiction="US")
    held, _ = case_with_phone(CaseState.ON_HOLD)
    vulnerable, _ = case_with_phone()
    vulnerable.customer.vulnerable = True
    vulnerable.customer.save(update_fields=["vulnerable"])
    no_phone, phone = case_with_phone()
    phone.delete()
    return [plain, quiet, capped, new_york, held, vulnerable, no_phone]


@pytest.mark.parametrize(
    "refreshed_at",
    [NOW, NOW + timedelta(hours=12, minutes=30), NOW + timedelta(hours=20)],
    ids=["noon-shanghai", "00:30-shanghai", "08:00-shanghai"],
)
def test_can_call_now_agrees_with_the_gate_at_several_clock_times(
    sample: list[CollectionCase], refreshed_at: datetime
) -> None:
    # Refreshed once (as the daily cycle does), then read for the next 24 hours without the gate.
    queue_refresh(case_ids=[c.pk for c in sample], now=refreshed_at)
    rows = {r.case_id: r for r in QueueEntry.objects.all()}

    times = [refreshed_at + timedelta(hours=h, minutes=m) for h in range(0, 24) for m in (0, 37)]
    for case in sample:
        row = rows.get(case.pk)
        for t in times:
            expected = gate_allows_a_call(case, t)
            got = row is not None and can_call_now(row, t)
            assert got == expected, (case.pk, t, row and (row.call_from, row.call_until))


def test_held_cases_are_not_in_the_queue(sample: list[CollectionCase]) -> None:
    queue_refresh(case_ids=[c.pk for c in sample], now=NOW)
    held = sample[4]
    assert not QueueEntry.objects.filter(case=held).exists()
    assert QueueEntry.objects.count() == len(sample) - 1


def test_an_open_dispute_takes_the_case_out_of_the_queue() -> None:
    case, _ = case_with_phone()
    queue_refresh(case_ids=[case.pk], now=NOW)
    services.dispute_open(
        case_id=case.pk, kind="amount_wrong", description="wrong", channel="phone", actor=SYSTEM, now=NOW
    )

    queue_refresh(case_ids=[case.pk], now=NOW)

    assert not QueueEntry.objects.filter(case=case).exists()


def test_a_logged_call_refreshes_the_customers_rows(
    agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    case, phone = case_with_phone()
    queue_refresh(case_ids=[case.pk], now=NOW)
    assert can_call_now(entry(case), NOW + timedelta(minutes=5))

    with_commit = NOW + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        log_call(case, phone, agent, with_commit, connected=True, conversation=True)

    row = entry(case)
    assert row.computed_at == with_commit
    assert not can_call_now(row, NOW + timedelta(minutes=5))  # the quiet period after a conversation
    assert gate_allows_a_call(case, NOW + timedelta(minutes=5)) is False


def test_the_score_orders_the_queue_as_documented(agent: User) -> None:
    old, _ = case_with_phone(days_past_due=90)
    recent, _ = case_with_phone(days_past_due=5)
    vulnerable_old, _ = case_with_phone(days_past_due=90)
    vulnerable_old.customer.vulnerable = True
    vulnerable_old.customer.save(update_fields=["vulnerable"])
    promised, _ = case_with_phone(days_past_due=5)
    services_promise = __import__("debt_collections.services.promises", fromlist=["promise_take"])
    services_promise.promise_take(
        case_id=promised.pk,
        amount=Decimal("10.00"),
        due_date=NOW.date(),
        channel="call",
        actor=Actor.for_user(agent),
        now=NOW,
    )
    services_promise.promises_decide_due(as_of=NOW.date(), now=NOW)  # the follow-up task, due at 08:00 today
    cases = [old, recent, vulnerable_old, promised]

    queue_refresh(case_ids=[c.pk for c in cases], now=NOW)

    ordered = list(QueueEntry.objects.order_by("-score", "case").values_list("case_id", flat=True))
    assert ordered.index(old.pk) < ordered.index(vulnerable_old.pk)
    assert ordered.index(promised.pk) < ordered.index(recent.pk)
    assert entry(promised).next_action == NextAction.FOLLOW_UP_PROMISE
    assert entry(recent).next_action == NextAction.CALL
    assert "vulnerable customer: halved" in entry(vulnerable_old).reasons
    old_row, vulnerable_row = entry(old), entry(vulnerable_old)
    assert vulnerable_row.score == old_row.score // 2


def test_a_customer_without_a_callable_phone_gets_a_notice_as_next_action() -> None:
    case, phone = case_with_phone()
    phone.status = ContactPoint.Status.WRONG_PARTY
    phone.save(update_fields=["status"])
    PhoneFactory.create(customer=case.customer, phone="+8613900000000", status=ContactPoint.Status.INVALID)

    queue_refresh(case_ids=[case.pk], now=NOW)

    row = entry(case)
    assert row.call_from is None and row.next_action == NextAction.SEND_NOTICE
