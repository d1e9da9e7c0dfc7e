"""Row locks between the cycle's chunks and the sending workers, which run at the same time in production
(PostgreSQL only: SQLite has no row locks).

A sending worker holds the notices it claims and then their customers (``notice_send_batch``); a cycle
step that holds customers and then needs a notice (a credit record's foreign key to its pre-notice)
deadlocked with it. Each test holds a sender's locks in a second connection and runs the cycle step with a
lock timeout: a step that waits for those rows fails the test instead of hanging.
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
