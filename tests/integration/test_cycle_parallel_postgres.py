"""The daily cycle's chunks side by side, as a Celery group runs them across workers (PostgreSQL only).

``cycle_start`` runs once, then every chunk runs in a thread of its own with its own connection and
transactions (standing in for the group's workers; the bench runs the real group on real workers): the
chunks must give the same outcome as one chunk after another, keep the audit chain one verified line,
and a second run for the date must still change nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from accounts.models import CreditAccount
from config.celery import app
from debt_collections.cycle import CycleReport, chunks, cycle_run_chunk, cycle_start
from debt_collections.kernel.audit import verify_chain
from debt_collections.models import AuditChainHead, AuditEvent, CaseState, CollectionCase
from notifications.models import Notice
from tests.factories import CreditAccountFactory, CustomerFactory, PhoneFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

D = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, inside the contact window
# Days past due on D of the accounts, eight chunks of three: every step of the cycle has work in
# several chunks (new cases, escalations, charge-offs, each ladder rung).
DPDS = [0, 1, 3, 14, 15, 16, 29, 30, 31, 59, 60, 61, 179, 180, 200, 2, 45, 90, 5, 20, 70, 7, 0, 181]
CHUNK = 3
# The ladder's highest rung reached by a days-past-due value (the CN pack's ladder).
RUNGS = [
    (60, "credit_report.pre_notice"),
    (30, "debt.information"),
    (15, "reminder.firm"),
    (1, "reminder.soft"),
]


@pytest.fixture(autouse=True)
def _sends_in_process(sms_outbox: list[Any], time_machine: Any) -> Iterator[None]:
    """The chain head (a flush removes it), sends in-process in each worker, the clock frozen."""
    AuditChainHead.objects.get_or_create(pk=0)
    time_machine.move_to(NOW, tick=False)
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def _accounts() -> list[CreditAccount]:
    accounts = []
    for dpd in DPDS:
        customer = CustomerFactory.create()
        PhoneFactory.create(customer=customer)
        accounts.append(
            CreditAccountFactory.create(
                customer=customer,
                due_date=D - timedelta(days=dpd),
                days_past_due=0,
                status=CreditAccount.Status.CURRENT,
            )
        )
    return accounts


def _expected_rung(dpd: int) -> str | None:
    return next((key for days, key in RUNGS if dpd >= days), None)


def run_side_by_side(*, as_of: date, now: datetime, workers: int = 3) -> tuple[CycleReport, set[int]]:
    """``cycle_start``, then the chunks ``workers`` at a time in threads. Returns the summed report and
    the threads that ran chunks."""
    report = cycle_start(as_of=as_of, now=now)
    threads: set[int] = set()

    def one(bounds: tuple[int, int]) -> CycleReport:
        threads.add(threading.get_ident())
        try:
            return cycle_run_chunk(as_of=as_of, lo=bounds[0], hi=bounds[1], now=now)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(one, list(chunks(CreditAccount, CHUNK))):
            report.add(part)
    return report, threads


def test_chunks_side_by_side_give_every_account_its_outcome_once() -> None:
    # Given 24 accounts in 8 chunks
    accounts = _accounts()

    # When the chunks run three at a time, each on its own connection
    report, threads = run_side_by_side(as_of=D, now=NOW)

    # Then they ran in several threads
    assert len(threads) > 1

    # Then every account has its days past due and every delinquent one exactly one case
    delinquent = [a for a, dpd in zip(accounts, DPDS, strict=True) if dpd > 0]
    assert report.accounts_updated == len(delinquent)
    assert report.cases_opened == len(delinquent)
    assert report.errors == []
    for account, dpd in zip(accounts, DPDS, strict=True):
        account.refresh_from_db()
        assert account.days_past_due == dpd
        cases = list(CollectionCase.objects.filter(account=account))
        if dpd == 0:
            assert cases == []
            continue
        assert len(cases) == 1, (dpd, cases)
        expected_state = (
            CaseState.CHARGED_OFF if dpd >= 180 else CaseState.ACTIVE if dpd >= 15 else CaseState.EARLY
        )
        assert cases[0].state == expected_state, dpd
        # and exactly the highest rung reached, once (a charged-off case is sent no reminder)
        keys = list(Notice.objects.filter(case=cases[0]).values_list("template__key", flat=True))
        assert keys == ([] if dpd >= 180 else [_expected_rung(dpd)]), (dpd, keys)
    assert report.escalated == sum(1 for d in DPDS if d >= 15)
    assert report.charged_off == sum(1 for d in DPDS if d >= 180)
    assert report.notices_queued == sum(1 for d in DPDS if 0 < d < 180)
    # And the notices were sent by the workers that queued them
    assert Notice.objects.filter(status=Notice.Status.SENT).count() == report.notices_queued

    # And each audit chain is one contiguous line that verifies
    chain = verify_chain()
    assert chain.ok, chain.describe()
    for number in set(AuditEvent.objects.values_list("chain", flat=True)):
        seqs = list(AuditEvent.objects.filter(chain=number).order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))


def test_second_parallel_run_for_the_same_date_changes_nothing() -> None:
    # Given the cycle ran for D with its chunks side by side
    _accounts()
    run_side_by_side(as_of=D, now=NOW)
    events = AuditEvent.objects.count()
    rows = (CollectionCase.objects.count(), Notice.objects.count())

    # When it runs again for D, side by side again
    report, _threads = run_side_by_side(as_of=D, now=NOW + timedelta(hours=2))

    # Then nothing is written
    assert AuditEvent.objects.count() == events
    assert (CollectionCase.objects.count(), Notice.objects.count()) == rows
    changed = {k: v for k, v in report.as_dict().items() if k not in ("as_of", "errors") and v}
    assert changed == {}
