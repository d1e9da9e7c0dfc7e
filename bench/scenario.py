"""Measurements for ``bench/run.py``: the cycle as a Celery group, notices through a real worker, staff lists.

Bench data comes from ``bench/build.py`` (COPY), not from the services: it stands for what earlier cycles
left behind, and building 1,000,000 histories one by one would measure the builder, not the cycle.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from accounts.models import ContactPoint, CreditAccount, Customer
from debt_collections.models import CollectionCase
from notifications.models import Notice

ROOT = Path(__file__).resolve().parent.parent


def count_due(day: date) -> int:
    """Accounts whose days past due reach a threshold (or whose status changes) on ``day``."""
    return CreditAccount.objects.filter(dpd_review_on__lte=day).count()


def _daytime_zone() -> str:
    """A zone where it is now mid-day, so the worker's send-time gate check is inside contact hours."""
    utc_now = datetime.now(tz=UTC)
    for name in (
        "Asia/Shanghai",
        "Europe/London",
        "America/New_York",
        "America/Los_Angeles",
        "Pacific/Auckland",
        "Asia/Kolkata",
        "America/Sao_Paulo",
        "Pacific/Honolulu",
        "Asia/Dubai",
        "Atlantic/Azores",
    ):
        if 10 <= utc_now.astimezone(ZoneInfo(name)).hour < 19:
            return name
    return "Asia/Shanghai"


def _start_worker(*, queue: str, concurrency: int, sms_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "NOTICE_SMS_BACKEND": "notifications.channels.FileSmsBackend",
        "NOTICE_SMS_DIR": str(sms_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_LEVEL": "WARNING",
    }
    log = (sms_dir / "worker.log").open("wb")
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-P",
        "prefork",
        "-c",
        str(concurrency),
        "-Q",
        queue,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=WARNING",
        "-n",
        f"{queue}@bench",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


def measure_worker_throughput(*, count: int, concurrency: int, queue: str, row: Any) -> None:
    """Queue ``count`` notices (the cycle's bulk path), then let a real worker on Redis drain them.

    The queue rate (gate check, render, outbox row, audit event, enqueue) and the dispatch rate (claim
    with a send-time gate check, provider call, record and audit) are measured separately: the worker
    starts only once everything is queued, so the two do not compete for the 2 cores. Then one batch of
    100 is sent in this process under a query counter: the queries per batch.
    """
    from django.test.utils import CaptureQueriesContext

    from config.celery import app
    from debt_collections.kernel.audit import Actor
    from debt_collections.services.links import links_for_notices
    from notifications.services import NoticeRequest, notice_queue_many, notice_send_many

    sms_dir = Path(tempfile.mkdtemp(prefix="bench-sms-"))
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    with app.connection_for_write() as conn:  # sends left by earlier steps must not share the measured run
        conn.default_channel.queue_purge(queue)  # type: ignore[attr-defined]  # kombu Channel API
    zone = _daytime_zone()
    cases = list(
        CollectionCase.objects.filter(state__in=["early", "active"])
        .select_related("account", "customer")
        .order_by("pk")[: count + 100]
    )
    Customer.objects.filter(pk__in=[c.customer_id for c in cases]).update(time_zone=zone)
    points = {
        p.customer_id: p
        for p in ContactPoint.objects.filter(customer_id__in=[c.customer_id for c in cases], kind="phone")
    }
    for case in cases:
        case.customer.time_zone = zone
    actor = Actor.system("bench")

    def queue_all(batch_cases: list[CollectionCase]) -> list[int]:
        ids: list[int] = []
        for start in range(0, len(batch_cases), 500):
            requests = [
                NoticeRequest(
                    case=c,
                    template_key="reminder.soft",
                    contact_point=points[c.customer_id],
                    due_date=date(2026, 6, 2),
                    purpose="bench",
                )
                for c in batch_cases[start : start + 500]
            ]
            queued = notice_queue_many(
                requests=requests, actor=actor, now=timezone.now(), links=links_for_notices
            )
            ids.extend(n.pk for n in queued)
        return ids

    started = time.perf_counter()
    ids = queue_all(cases[:count])
    queued_seconds = time.perf_counter() - started
    row(
        "notices queued (bulk path: gate check, render, outbox row, audit event, enqueue)",
        f"{len(ids) / queued_seconds:.0f}/s ({len(ids)} in {queued_seconds:.2f} s)",
    )
    worker = _start_worker(queue=queue, concurrency=concurrency, sms_dir=sms_dir)
    try:
        started = time.perf_counter()
        first_sent = None
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            left = Notice.objects.filter(pk__in=ids, status__in=["pending", "sending"]).count()
            if first_sent is None and left < len(ids):
                first_sent = time.perf_counter()
            if left == 0:
                break
            time.sleep(0.05)
        finished = time.perf_counter()
        sent = Notice.objects.filter(pk__in=ids, status="sent").count()
        busy = finished - (first_sent or started)
        row(
            f"notices dispatched by a real worker (prefork -c {concurrency}) on Redis",
            f"{sent / busy:.0f}/s ({sent} sent in {busy:.2f} s from the first send to the last; "
            f"{sent / (finished - started):.0f}/s with worker start-up)",
            "≥ 1,000/s",
        )
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
    # One more batch, queued without a worker and sent here under a query counter.
    batch = queue_all(cases[count : count + 100])
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)  # type: ignore[attr-defined]  # kombu Channel API
    with CaptureQueriesContext(connection) as queries:
        notice_send_many(notice_ids=batch)
    row(
        f"queries to send one batch of {len(batch)} notices (notice_send_many)",
        f"{len(queries)}",
        "constant, small",
    )


def measure_fanout(*, as_of: date, now: datetime, queue: str, concurrency: int) -> float:
    """The day's cycle as beat runs it: ``cycle_start`` here, the chunks as a Celery group on a real
    worker. Returns the seconds from the start to the last chunk's result."""
    from accounts.models import CreditAccount
    from config.celery import app
    from debt_collections.cycle import chunks, cycle_send_chunks, cycle_start

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    sms_dir = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    worker = _start_worker(queue=queue, concurrency=concurrency, sms_dir=sms_dir)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not app.control.ping(destination=[f"{queue}@bench"], timeout=1):
            pass
        # Warm both worker processes (imports, compiled templates) with chunks over an empty id range,
        # as the in-process runs it is compared with are warm.
        cycle_send_chunks(as_of=as_of, now=now, ranges=[(0, 0), (-1, -1)], run_id=None).get(timeout=120)
        started = time.perf_counter()
        cycle_start(as_of=as_of, now=now)
        ranges = list(chunks(CreditAccount, CHUNK_FOR_GROUP))
        cycle_send_chunks(as_of=as_of, now=now, ranges=ranges, run_id=None).get(timeout=600)
        return time.perf_counter() - started
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        app.conf.task_always_eager = eager


# Chunks small enough that both worker processes get some at 100,000 accounts.
CHUNK_FOR_GROUP = 50_000


def measure_staff_lists(*, n: int, row: Any, tries: int = 5) -> None:
    """The admin changelist and the API case list as a supervisor: first page, default order and by
    opened date, median and worst of ``tries`` requests (in this process, the Django test client)."""
    from django.contrib.auth.models import Group
    from django.test import Client

    from accounts.models import User

    user, _ = User.objects.get_or_create(username="bench-supervisor", defaults={"is_staff": True})
    user.groups.add(Group.objects.get_or_create(name="supervisor")[0])
    client = Client()
    client.force_login(user)
    for label, url in (
        ("admin case list", "/admin/collections/collectioncase/"),
        ("admin case list sorted by days past due", "/admin/collections/collectioncase/?o=-5"),
        ("admin case list, active cases", "/admin/collections/collectioncase/?state__exact=active"),
        ("API case list", "/api/v1/cases/"),
        ("API case list by opened date", "/api/v1/cases/?ordering=-opened_at"),
        ("API case list, 60+ days past due", "/api/v1/cases/?dpd_min=60"),
    ):
        timings = []
        status = 0
        for _ in range(tries):
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
            status = response.status_code
        timings.sort()
        row(
            f"{label} at N={n:,} ({url})",
            f"median {statistics.median(timings) * 1000:.0f} ms, worst {timings[-1] * 1000:.0f} ms "
            f"(HTTP {status})",
            "p99 < 200 ms",
        )


def measure_phone_paths(*, row: Any, count: int = 20_000) -> None:
    """Issue 10 item 4: is ``StoredPhoneNumber`` (numbers loaded unparsed) worth its special equality?
    Loads ``count`` contact points and reads what the gate, the renderer and the outbox read (``value``,
    the masked text), three ways: as stored numbers, as numbers parsed on load (the library's field), and
    as plain text from ``values_list``."""
    from phonenumber_field.modelfields import PhoneNumberField

    from accounts.models import StoredPhoneNumberField

    def models_read() -> float:
        started = time.perf_counter()
        for point in ContactPoint.objects.filter(kind="phone").order_by("pk")[:count]:
            _ = (point.value, point.masked_value, point.value)
        return time.perf_counter() - started

    def plain_read() -> float:
        from django.db import connection

        table = ContactPoint._meta.db_table
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, phone FROM {table} WHERE kind = 'phone' ORDER BY id LIMIT %s", [count]
            )  # noqa: S608
            for _pk, text in cursor.fetchall():
                _ = (text, f"{text[:4]}****{text[-4:]}")
        return time.perf_counter() - started

    lazy = min(models_read() for _ in range(2))
    original = StoredPhoneNumberField.from_db_value
    StoredPhoneNumberField.from_db_value = PhoneNumberField.from_db_value  # type: ignore[method-assign]
    try:
        parsed = min(models_read() for _ in range(2))
    finally:
        StoredPhoneNumberField.from_db_value = original  # type: ignore[method-assign]
    plain = min(plain_read() for _ in range(2))
    row(
        f"{count:,} contact points loaded and read (value, masked): StoredPhoneNumber / parsed on load / "
        "plain text (no model)",
        f"{lazy * 1000:.0f} ms / {parsed * 1000:.0f} ms / {plain * 1000:.0f} ms",
        "keep the fast path only if it pays",
        f"parsed/stored {parsed / lazy:.1f}×",
    )
