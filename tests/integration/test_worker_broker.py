"""The outbox with a real broker and real worker processes (DESIGN §6, §12).

A notice is a row first; the on-commit hook hands it to Celery; a worker in another process claims
the row (``pending → sending`` under a row lock), calls the provider and records ``sent``. The worker
uses ``FileSmsBackend``, whose ``calls.log`` has one line per provider call, so a double send would
show even though the provider dedups by key. Data must be committed for the worker to see it, hence
transactional tests (the tables are flushed afterwards; the rows data migrations make are put back).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import ContactPoint
from config.celery import app as celery_app
from debt_collections.models import AuditChainHead, AuditEvent, CollectionCase
from debt_collections.services.links import links_for_notices
from notifications.models import Notice
from notifications.services import NoticeRequest, notice_queue, notice_queue_many, templates_install_library
from notifications.tasks import relay_pending_notices, send_notice
from tests.audit_support import audit_events
from tests.factories import SYSTEM, CreditAccountFactory, CustomerFactory, PhoneFactory, make_case
from tests.integration.worker import (
    Harness,
    database_url,
    daytime_zone,
    provider_reference,
    redis_server_binary,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SEND_TIMEOUT = 30.0  # from commit to ``sent``, through the broker and another process
ENQUEUE_BOUND = 10.0  # a request must not hang on a dead broker; a safety bound, not a benchmark
TEMPLATE_KEY = "reminder.soft"


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    """Workers and redis servers the test starts; all stopped (and their logs printed) afterwards.

    Nothing starts here: the test body starts what it needs, so a run without services reaches the
    integration conftest's skip/fail instead of erroring in setup.
    """
    h = Harness(app=celery_app, workdir=tmp_path, database_url=database_url(connection.settings_dict))
    try:
        yield h
    finally:
        h.close()


def _install_reference_rows() -> None:
    """Transactional tests flush every table, taking the data migrations' rows with them."""
    AuditChainHead.objects.get_or_create(pk=0)
    templates_install_library()


def _delinquent_case(zone: str) -> tuple[CollectionCase, ContactPoint]:
    """A CN customer with a verified phone, living in ``zone``, and an open case on a delinquent account."""
    customer = CustomerFactory.create(time_zone=zone, jurisdiction="CN", locale="en")
    phone = PhoneFactory.create(customer=customer)
    case = make_case(account=CreditAccountFactory.create(customer=customer))
    return case, phone


def _queue(case: CollectionCase, phone: ContactPoint) -> Notice:
    notice = notice_queue(
        links=links_for_notices,
        case_id=case.pk,
        template_key=TEMPLATE_KEY,
        contact_point_id=phone.pk,
        actor=SYSTEM,
        now=timezone.now(),
    )
    assert notice.status == Notice.Status.PENDING, notice.decision
    return notice


def _wait_sent(harness: Harness, ids: list[int]) -> list[Notice]:
    def all_sent() -> bool:
        return Notice.objects.filter(pk__in=ids, status=Notice.Status.SENT).count() == len(ids)

    def details() -> str:
        rows = Notice.objects.filter(pk__in=ids).values_list("pk", "status", "decision", "last_error")
        return "\n".join(map(str, rows)) + "\n" + harness.logs()

    wait_for(all_sent, timeout=SEND_TIMEOUT, what=f"{len(ids)} notice(s) to be sent", details=details)
    return list(Notice.objects.filter(pk__in=ids).order_by("pk"))


def test_a_real_worker_sends_a_queued_notice(harness: Harness) -> None:
    _install_reference_rows()
    broker, queue = harness.shared_broker_url(), harness.queue_name("send")
    harness.use_broker(broker, queue=queue)
    worker = harness.start_worker(broker_url=broker, queue=queue)
    worker.wait_ready(celery_app)

    case, phone = _delinquent_case(daytime_zone(timezone.now()))
    queued = _queue(case, phone)  # committed; the on-commit hook publishes send_notice to this run's queue

    [notice] = _wait_sent(harness, [queued.pk])
    assert notice.provider_reference == provider_reference(notice.idempotency_key)
    assert notice.attempts == 1 and notice.sent_at is not None
    assert harness.provider_calls()[notice.idempotency_key] == 1
    assert (
        (harness.sms_dir / f"{notice.provider_reference}.txt")
        .read_text(encoding="utf-8")
        .startswith(f"{phone.value}\n")
    )
    sent_events = audit_events(action="notice.sent", payload={"notice": notice.pk})
    assert [e.payload["provider_reference"] for e in sent_events] == [notice.provider_reference]


def test_broker_outage_leaves_the_notice_pending_and_the_relay_sends_it_once(
    harness: Harness,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    redis_server_binary()
    _install_reference_rows()
    settings.NOTICE_RELAY_AFTER_SECONDS = 0
    redis = harness.start_redis()
    # A private broker, so no other worker can consume from it. The queue is the default one because the
    # relay task re-enqueues send_notice from inside the worker, whose settings route to the default queue.
    queue = "celery"
    harness.use_broker(redis.url, queue=queue)
    worker = harness.start_worker(
        broker_url=redis.url, queue=queue, extra_env={"NOTICE_RELAY_AFTER_SECONDS": "0"}
    )
    worker.wait_ready(celery_app)
    zone = daytime_zone(timezone.now())

    # The path works while the broker is up.
    before = _queue(*_delinquent_case(zone))
    _wait_sent(harness, [before.pk])

    redis.stop()
    case, phone = _delinquent_case(zone)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="notifications.services"):
        queued = _queue(case, phone)
    elapsed = time.monotonic() - started
    print(f"notice_queue with the broker down returned in {elapsed:.2f}s")  # noqa: T201 - shown with -rP
    assert elapsed < ENQUEUE_BOUND, f"queuing a notice with the broker down took {elapsed:.1f}s"
    assert f"could not enqueue notice {queued.pk}" in caplog.text  # the publish failed and was swallowed
    queued.refresh_from_db()
    assert queued.status == Notice.Status.PENDING
    assert harness.provider_calls()[queued.idempotency_key] == 0

    redis.start()  # same port, empty: the message for this notice never reached any broker
    worker.wait_ready(celery_app)  # the worker reconnected
    queued.refresh_from_db()
    assert queued.status == Notice.Status.PENDING

    relay = relay_pending_notices.delay()
    [notice] = _wait_sent(harness, [queued.pk])
    relayed = wait_for(
        lambda: worker.task_results("notifications.relay_pending_notices").get(relay.id),
        timeout=SEND_TIMEOUT,
        what="the relay task to finish",
        details=harness.logs,
    )
    assert relayed == "1"
    assert notice.provider_reference == provider_reference(notice.idempotency_key)
    assert harness.provider_calls()[notice.idempotency_key] == 1

    # The relay again: nothing is due, nothing is sent twice.
    again = relay_pending_notices.delay()
    relayed = wait_for(
        lambda: worker.task_results("notifications.relay_pending_notices").get(again.id),
        timeout=SEND_TIMEOUT,
        what="the second relay task to finish",
        details=harness.logs,
    )
    assert relayed == "0"
    calls = harness.provider_calls()
    assert calls[notice.idempotency_key] == 1
    assert calls[before.idempotency_key] == 1
    assert sum(calls.values()) == 2
    assert len(audit_events(action="notice.sent", payload={"notice": notice.pk})) == 1


def test_two_workers_and_duplicate_deliveries_send_each_notice_once(harness: Harness) -> None:
    _install_reference_rows()
    broker, queue = harness.shared_broker_url(), harness.queue_name("pair")
    harness.use_broker(broker, queue=queue)
    workers = [harness.start_worker(broker_url=broker, queue=queue, name=name) for name in ("one", "two")]
    for worker in workers:
        worker.wait_ready(celery_app)
    zone = daytime_zone(timezone.now())
    cases = [_delinquent_case(zone) for _ in range(20)]

    ids: list[int] = []
    with transaction.atomic():
        for case, phone in cases:
            notice = _queue(case, phone)
            ids.append(notice.pk)
            # A duplicate delivery right behind the on-commit hook's own, so the two land on both workers.
            transaction.on_commit(partial(send_notice.delay, notice.pk))

    notices = _wait_sent(harness, ids)
    # Every delivery ran (20 from the on-commit hooks, one notice per batch, and 20 duplicates), spread over
    # both workers; the claim let exactly one of each pair send.
    def deliveries(worker: Any) -> dict[str, str]:
        return {
            **worker.task_results("notifications.send_notice"),
            **worker.task_results("notifications.send_notice_batch"),
        }

    wait_for(
        lambda: sum(len(deliveries(worker)) for worker in workers) == 40,
        timeout=SEND_TIMEOUT,
        what="all 40 deliveries to be processed",
        details=harness.logs,
    )
    runs = [deliveries(worker) for worker in workers]
    assert all(runs), f"one worker processed nothing: {[len(r) for r in runs]}"
    calls = harness.provider_calls()
    assert {n.idempotency_key: calls[n.idempotency_key] for n in notices} == {
        n.idempotency_key: 1 for n in notices
    }
    assert sum(calls.values()) == len(notices)
    assert all(n.provider_reference == provider_reference(n.idempotency_key) for n in notices)
    assert AuditEvent.objects.filter(action="notice.sent").count() == len(notices)


def test_a_worker_killed_mid_batch_leaves_no_notice_sent_twice_or_lost(harness: Harness) -> None:
    """Issue 15 item 4: the worker dies after the provider took 5 of a batch of 20 and before it recorded
    any. The relay asks the provider about each stale claim: the 5 it has are recorded ``sent`` without a
    second call, the 15 it never got go out once."""
    redis_server_binary()
    _install_reference_rows()
    # A private broker and its default queue: the relay re-enqueues from inside the worker, whose settings
    # route to the default queue (as in the broker-outage test above).
    broker, queue = harness.start_redis().url, "celery"
    harness.use_broker(broker, queue=queue)
    doomed = harness.start_worker(
        broker_url=broker,
        queue=queue,
        name="doomed",
        extra_env={
            "NOTICE_SMS_BACKEND": "tests.integration.backends.StallingFileSmsBackend",
            "NOTICE_SMS_STALL_AFTER": "5",
        },
    )
    doomed.wait_ready(celery_app)
    zone = daytime_zone(timezone.now())
    pairs = [_delinquent_case(zone) for _ in range(20)]
    cases = CollectionCase.objects.select_related("customer", "account").in_bulk([c.pk for c, _ in pairs])
    requests = [
        NoticeRequest(case=cases[case.pk], template_key=TEMPLATE_KEY, contact_point=phone)
        for case, phone in pairs
    ]
    with transaction.atomic():  # one batch, one broker message: the worker claims all 20 at once
        notices = notice_queue_many(
            requests=requests, actor=SYSTEM, now=timezone.now(), links=links_for_notices
        )
    ids = [n.pk for n in notices]
    assert all(n.status == Notice.Status.PENDING for n in notices)

    stalled = harness.sms_dir / "stalled"
    wait_for(stalled.exists, timeout=SEND_TIMEOUT, what="the worker to stall mid-batch", details=harness.logs)
    assert doomed.proc is not None
    doomed.proc.kill()  # SIGKILL: no warm shutdown, nothing recorded
    doomed.proc.wait(10)
    assert Notice.objects.filter(pk__in=ids, status=Notice.Status.SENDING).count() == 20
    delivered = {key for key, count in harness.provider_calls().items() if count}
    assert len(delivered) == 5

    # A new worker whose relay treats every claim as stale and every pending row as due.
    survivor = harness.start_worker(
        broker_url=broker,
        queue=queue,
        name="survivor",
        extra_env={"NOTICE_CLAIM_TIMEOUT_SECONDS": "0", "NOTICE_RELAY_AFTER_SECONDS": "0"},
    )
    survivor.wait_ready(celery_app)
    relay = relay_pending_notices.delay()
    relayed = wait_for(
        lambda: survivor.task_results("notifications.relay_pending_notices").get(relay.id),
        timeout=SEND_TIMEOUT,
        what="the relay task to finish",
        details=harness.logs,
    )
    assert relayed == "15"

    sent = _wait_sent(harness, ids)
    calls = harness.provider_calls()
    assert {n.idempotency_key: calls[n.idempotency_key] for n in sent} == {n.idempotency_key: 1 for n in sent}
    assert all(n.provider_reference == provider_reference(n.idempotency_key) for n in sent)
    reconciled = audit_events(action="notice.sent", payload={"reconciled": True})
    assert {e.payload["notice"] for e in reconciled} == {n.pk for n in sent if n.idempotency_key in delivered}
    assert AuditEvent.objects.filter(action="notice.released").count() == 15
    assert AuditEvent.objects.filter(action="notice.sent").count() == 20
