"""Batch dispatch with a real prefork worker (2 processes, as production runs it) on Redis and PostgreSQL.

``notice_send_many`` claims a batch, re-checks the gate at send time, calls the provider outside any
transaction and records every outcome in one statement per phase. This proves, across processes, that a
batch delivered twice (a broker redelivery, a retried task) reaches the provider once per notice, and that
a notice the gate now refuses (the customer asked us to stop, the number was reported as a wrong party
since it was queued) is recorded ``blocked`` with its rules and audited, never sent. ``FileSmsBackend``
logs one line per provider call, so a second call would show even though the provider dedups by key.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import ContactPoint, Customer, QuarantinedContact
from config.celery import app as celery_app
from debt_collections.models import AuditChainHead, AuditEvent, CollectionCase
from debt_collections.services.links import links_for_notices
from notifications.models import Notice
from notifications.services import NoticeRequest, notice_queue_many, templates_install_library
from notifications.tasks import send_notice_batch
from tests.audit_support import audit_events
from tests.factories import SYSTEM, CreditAccountFactory, CustomerFactory, PhoneFactory, make_case
from tests.integration.worker import Harness, database_url, daytime_zone, provider_reference, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SETTLE_TIMEOUT = 60.0  # from commit to every row settled, through the broker and two processes
BATCH = 30


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    h = Harness(app=celery_app, workdir=tmp_path, database_url=database_url(connection.settings_dict))
    try:
        yield h
    finally:
        h.close()


def _cases(count: int) -> list[tuple[CollectionCase, ContactPoint]]:
    zone = daytime_zone(timezone.now())
    made = []
    for _ in range(count):
        customer = CustomerFactory.create(time_zone=zone, jurisdiction="CN", locale="en")
        phone = PhoneFactory.create(customer=customer)
        made.append((make_case(account=CreditAccountFactory.create(customer=customer)), phone))
    return made


def test_a_batch_delivered_twice_to_two_processes_is_sent_once_and_a_refused_notice_is_blocked(
    harness: Harness,
) -> None:
    AuditChainHead.objects.get_or_create(pk=1)  # transactional tests flush the data migrations' rows
    templates_install_library()
    broker, queue = harness.shared_broker_url(), harness.queue_name("dispatch")
    harness.use_broker(broker, queue=queue)
    worker = harness.start_worker(broker_url=broker, queue=queue, name="prefork", processes=2)
    worker.wait_ready(celery_app)
    pairs = _cases(BATCH)
    loaded = CollectionCase.objects.select_related("customer", "account").in_bulk([c.pk for c, _ in pairs])
    ceased, quarantined = pairs[3], pairs[17]

    with transaction.atomic():
        notices = notice_queue_many(
            requests=[
                NoticeRequest(case=loaded[case.pk], template_key="reminder.soft", contact_point=phone)
                for case, phone in pairs
            ],
            actor=SYSTEM,
            now=timezone.now(),
            links=links_for_notices,
        )
        assert [n.status for n in notices] == [Notice.Status.PENDING] * BATCH
        ids = [n.pk for n in notices]
        # Since queuing (and before any worker sees the batch, which is published on commit): one customer
        # asks us to stop, another's number is reported as reaching someone else.
        Customer.objects.filter(pk=ceased[0].customer_id).update(cease_communication=True)
        QuarantinedContact.objects.create(
            value=quarantined[1].value, kind="phone", reported_at=timezone.now(), reported_via="test"
        )
        # The same batch again right behind the on-commit publish: both processes get a copy.
        transaction.on_commit(lambda: send_notice_batch.delay(ids))

    def settled() -> bool:
        return not Notice.objects.filter(pk__in=ids, status__in=["pending", "sending"]).exists()

    def details() -> str:
        rows = Notice.objects.filter(pk__in=ids).values_list("pk", "status", "decision", "last_error")
        return "\n".join(map(str, rows)) + "\n" + harness.logs()

    wait_for(settled, timeout=SETTLE_TIMEOUT, what=f"{BATCH} notices to settle", details=details)
    wait_for(
        lambda: len(worker.task_results("notifications.send_notice_batch")) == 2,  # both copies ran
        timeout=SETTLE_TIMEOUT,
        what="both deliveries of the batch to finish",
        details=harness.logs,
    )
    rows = {n.pk: n for n in Notice.objects.filter(pk__in=ids)}
    refused = {
        rows[ids[3]].pk: "CEASE",
        rows[ids[17]].pk: "WRONG_PARTY",
    }
    calls = harness.provider_calls()
    for pk, notice in rows.items():
        if pk in refused:
            assert notice.status == Notice.Status.BLOCKED, (pk, notice.decision)
            assert refused[pk] in notice.decision["blocked_by"]
            assert notice.claimed_at is None and notice.attempts == 0
            assert calls[notice.idempotency_key] == 0
            [event] = audit_events(action="notice.blocked", payload={"notice": pk})
            assert event.payload["at_send_time"] is True and refused[pk] in event.payload["blocked_by"]
        else:
            assert notice.status == Notice.Status.SENT, (pk, notice.status, notice.decision)
            assert notice.attempts == 1
            assert notice.provider_reference == provider_reference(notice.idempotency_key)
            assert calls[notice.idempotency_key] == 1
            assert notice.decision["allowed"] is True
    assert sum(calls.values()) == BATCH - len(refused)
    sent_events = AuditEvent.objects.filter(action="notice.sent")
    assert sorted(e.payload["notice"] for e in sent_events) == sorted(set(ids) - set(refused))
    assert AuditEvent.objects.filter(action="notice.blocked").count() == len(refused)

    handled = worker.task_results("notifications.send_notice_batch")
    assert sum(int(n) for n in handled.values()) == BATCH  # the two deliveries shared the rows, never twice

    # A retry of the finished batch (a task run again after a lost acknowledgement) finds nothing to do.
    retry = send_notice_batch.delay(ids)
    result = wait_for(
        lambda: worker.task_results("notifications.send_notice_batch").get(retry.id),
        timeout=SETTLE_TIMEOUT,
        what="the retried batch to finish",
        details=harness.logs,
    )
    assert result == "0"
    assert harness.provider_calls() == calls
    assert AuditEvent.objects.filter(action__in=["notice.sent", "notice.blocked"]).count() == BATCH
