"""The in-process daily cycle with several chunks at once in worker processes (PostgreSQL only).

Each worker process has its own connection and transactions, so the chunks really run side by side:
they must give the same outcome as one chunk after another, keep the audit chain one verified line,
and a second run for the date must still change nothing.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction

from accounts.models import CreditAccount
from config.celery import app
from debt_collections import cycle as cycle_module
from debt_collections.cycle import cycle_run, cycle_workers
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
    AuditChainHead.objects.get_or_create(pk=1)
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


def test_worker_count_is_one_inside_a_transaction_and_the_setting_outside(settings: Any) -> None:
    settings.CYCLE_WORKERS = 4
    assert cycle_workers() == 4
    assert cycle_workers(2) == 2
    with transaction.atomic():
        assert cycle_workers(3) == 1


def test_a_celery_worker_child_runs_one_chunk_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # A prefork child is daemonic, and a daemonic process may not start processes of its own
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True)
    assert cycle_workers(3) == 1


def test_three_worker_processes_give_every_account_its_outcome_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given 24 accounts in 8 chunks
    accounts = _accounts()
    run_chunk = cycle_module.cycle_run_chunk

    def recording(**kwargs: Any) -> Any:
        # Each chunk's report carries the process that ran it (forked children see this patch).
        report = run_chunk(**kwargs)
        report.errors.append(f"pid:{os.getpid()}")
        return report

    monkeypatch.setattr(cycle_module, "cycle_run_chunk", recording)

    # When the cycle works on three chunks at once
    report = cycle_run(as_of=D, now=NOW, chunk_size=CHUNK, workers=3)

    # Then the chunks ran in several worker processes, not in the test's own
    pids = {int(e.removeprefix("pid:")) for e in report.errors if e.startswith("pid:")}
    assert len(pids) > 1 and os.getpid() not in pids, pids
    report.errors = [e for e in report.errors if not e.startswith("pid:")]

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

    # And the audit chain is one contiguous line that verifies
    chain = verify_chain()
    assert chain.ok, chain.describe()
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


def test_second_parallel_run_for_the_same_date_changes_nothing() -> None:
    # Given the cycle ran for D in three worker processes
    _accounts()
    cycle_run(as_of=D, now=NOW, chunk_size=CHUNK, workers=3)
    events = AuditEvent.objects.count()
    rows = (CollectionCase.objects.count(), Notice.objects.count())

    # When it runs again for D, in three worker processes again
    report = cycle_run(as_of=D, now=NOW + timedelta(hours=2), chunk_size=CHUNK, workers=3)

    # Then nothing is written
    assert AuditEvent.objects.count() == events
    assert (CollectionCase.objects.count(), Notice.objects.count()) == rows
    changed = {k: v for k, v in report.as_dict().items() if k not in ("as_of", "errors") and v}
    assert changed == {}
