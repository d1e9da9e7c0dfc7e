"""Row locks between the sending workers and the other writers (the cycle's chunks, agents' services),
which run at the same time in production (PostgreSQL only: SQLite has no row locks).

Every writer takes a customer before that customer's notices. A sender that held its notices and then
waited for their customers deadlocked with an agent's service that holds the customer (``lock_case``) and
then blocks the notices; a cycle step that held customers and then needed a notice (a credit record's
foreign key to its pre-notice) deadlocked with it too. The tests hold one side's locks in a second
connection under a lock timeout: a writer that waits for those rows, or a deadlock, fails the test instead
of hanging.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, connections, transaction

from accounts.models import ContactPoint, CreditAccount
from config.celery import app
from debt_collections.credit.reporting import credit_report_register
from debt_collections.cycle import cycle_run
from debt_collections.models import AuditChainHead, CollectionCase, CreditReportNotice
from notifications.models import Notice
from tests.audit_support import owner_privileges
from tests.factories import CreditAccountFactory, CustomerFactory, PhoneFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

D = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


@pytest.fixture(autouse=True)
def _env(sms_outbox: list[Any], time_machine: Any) -> Iterator[None]:
    AuditChainHead.objects.get_or_create(pk=0)
    time_machine.move_to(NOW, tick=False)
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False  # the pre-notice stays queued: no worker reads this test's queue
    yield
    app.conf.task_always_eager = saved


def _pre_noticed_without_record() -> CollectionCase:
    """A case 60 days past due whose pre-notice the cycle queued; its credit record removed again, so the
    next registration has it to write."""
    customer = CustomerFactory.create()
    PhoneFactory.create(
        customer=customer, status=ContactPoint.Status.VERIFIED, verified_at=NOW - timedelta(days=10)
    )
    account = CreditAccountFactory.create(
        customer=customer,
        due_date=D - timedelta(days=60),
        days_past_due=0,
        status=CreditAccount.Status.CURRENT,
    )
    cycle_run(as_of=D, now=NOW)
    case = CollectionCase.objects.get(account=account)
    with owner_privileges():
        CreditReportNotice.objects.filter(case=case).delete()
    return case


def _hold_as_a_sender(notice: Notice, held: threading.Event, release: threading.Event) -> None:
    """What ``notice_send_batch`` holds while it decides and sends: the claimed notice, then its customer."""
    try:
        with transaction.atomic():
            list(Notice.objects.select_for_update(of=("self",), no_key=True).filter(pk=notice.pk))
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id FROM accounts_customer WHERE id = %s FOR UPDATE", [notice.case.customer_id]
                )
            held.set()
            release.wait(30)
    finally:
        connection.close()


def test_registering_a_credit_record_does_not_wait_for_a_notice_or_customer_a_sender_holds() -> None:
    case = _pre_noticed_without_record()
    notice = Notice.objects.get(case=case, template__key="credit_report.pre_notice")
    held, release = threading.Event(), threading.Event()
    sender = threading.Thread(target=_hold_as_a_sender, args=(notice, held, release), daemon=True)
    sender.start()
    try:
        assert held.wait(30)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            registered = credit_report_register(now=NOW)
    finally:
        release.set()
        sender.join(30)
        connections.close_all()

    assert registered == 1
    assert CreditReportNotice.objects.get(case=case).pre_notice_id == notice.pk


def _wait_until_blocked(timeout: float = 10) -> None:
    """Until another connection of this database waits for a lock (the sender, behind our rows)."""
    import time

    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction the statistics views answer from one snapshot unless it is cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the sender never waited for the agent's locks")


def test_an_agent_stopping_a_customers_notices_and_a_sender_take_locks_in_one_order() -> None:
    """An agent's service locks the case with its customer, then that customer's pending notices (a call
    logged as a wrong party blocks them). A sender must take the customer before the notice too: holding
    the notice while it waited for the customer deadlocked with the agent."""
    from debt_collections.kernel.audit import Actor
    from debt_collections.kernel.locking import lock_case
    from debt_collections.services.links import links_for_notices
    from notifications.services import notice_block_pending_to, notice_queue, notice_send_many

    customer = CustomerFactory.create()
    point = PhoneFactory.create(
        customer=customer, status=ContactPoint.Status.VERIFIED, verified_at=NOW - timedelta(days=10)
    )
    account = CreditAccountFactory.create(customer=customer)
    from tests.factories import make_case

    case = make_case(account=account)
    notice = notice_queue(
        case_id=case.pk,
        template_key="reminder.soft",
        contact_point_id=point.pk,
        actor=Actor.system("test"),
        links=links_for_notices,
        now=NOW,
    )
    assert notice.status == Notice.Status.PENDING
    outcome: dict[str, Any] = {}

    def sender() -> None:
        try:
            outcome["sent"] = notice_send_many(notice_ids=[notice.pk], now=NOW)
        except Exception as exc:  # handed to the test thread, which asserts on it
            outcome["error"] = exc
        finally:
            connection.close()

    worker = threading.Thread(target=sender, daemon=True)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '5s'")
        lock_case(case.pk)  # the agent's service: the case, its account and its customer
        worker.start()
        _wait_until_blocked()
        blocked = notice_block_pending_to(
            contact_point_ids=[point.pk], actor=Actor.system("test"), now=NOW, rule="WRONG_PARTY"
        )
    worker.join(30)
    connections.close_all()

    assert blocked == 1
    assert "error" not in outcome, outcome.get("error")
    assert outcome["sent"] == []  # it found the notice blocked once it had the customer
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.BLOCKED
