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


def _start_worker(
    *,
    queue: str,
    concurrency: int,
    sms_dir: Path,
    sms_backend: str = "notifications.channels.FileSmsBackend",
    extra_env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **(extra_env or {}),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "NOTICE_SMS_BACKEND": sms_backend,
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


class BenchFailed(SystemExit):
    """A measurement that did not happen: the bench stops with the reason (and the worker's log), never
    prints a rate of 0/s as if it were one."""

    def __init__(self, reason: str, log: Path | None = None) -> None:
        self.reason = reason
        tail = ""
        if log is not None and log.exists():
            lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
            tail = "\n--- worker log (last 40 lines) ---\n" + "\n".join(lines[-40:])
        super().__init__(f"bench failed: {reason}{tail}")


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=20)


def _wait_ready(worker: subprocess.Popen[bytes], *, queue: str, log: Path, timeout: float = 90) -> None:
    """Until the worker answers a ping on the broker; fail loudly if it exits or never answers."""
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise BenchFailed(f"the worker exited with {worker.returncode} before it answered", log)
        if app.control.ping(destination=[f"{queue}@bench"], timeout=1):
            return
    raise BenchFailed(f"the worker did not answer a ping within {timeout:.0f} s", log)


def _cpu_seconds(pids: set[int]) -> float:
    """User + system CPU of these processes so far (from ``/proc``; gone ones count nothing)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


def _process_tree(root: int) -> set[int]:
    """``root`` and its descendants (the prefork worker's pool processes)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    tree = {root}
    grew = True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return tree


def _database_backends() -> set[int]:
    """PostgreSQL server processes serving other connections to this database (the worker's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        return {pid for (pid,) in cursor.fetchall()}


def _fresh_cases(count: int) -> list[CollectionCase]:
    """Open cases whose customer has a phone and nothing in the gate's look-back window before the real
    clock the worker decides with: earlier bench steps (the cycle's Celery group) send notices too, and a
    customer at the 7-day cap would be deferred, not sent, however fast the worker is."""
    from debt_collections.kernel.gate import HISTORY_WINDOW
    from debt_collections.models import ContactAttempt

    since = timezone.now() - HISTORY_WINDOW
    recent = Notice.objects.filter(claimed_at__gte=since).values("case__customer_id")
    called = ContactAttempt.objects.filter(placed_at__gte=since).values("customer_id")
    return list(
        CollectionCase.objects.filter(state__in=["early", "active"], customer__contact_points__kind="phone")
        .exclude(customer_id__in=recent)
        .exclude(customer_id__in=called)
        .select_related("account", "customer")
        .order_by("pk")
        .distinct()[:count]
    )


def _outcome(ids: list[int]) -> dict[str, int]:
    """Rows by status, with the deferred (pending, waiting for ``not_before``) apart."""
    counts: dict[str, int] = {}
    for status, deferred in Notice.objects.filter(pk__in=ids).values_list("status", "not_before"):
        key = "deferred" if status == "pending" and deferred is not None else status
        counts[key] = counts.get(key, 0) + 1
    return counts


def _blocked_by(ids: list[int]) -> str:
    rules: dict[str, int] = {}
    decisions = Notice.objects.filter(pk__in=ids).exclude(status="sent").values_list("decision", flat=True)
    for decision in decisions:
        for rule in (decision or {}).get("blocked_by") or ["(none)"]:
            rules[rule] = rules.get(rule, 0) + 1
    return ", ".join(f"{rule} {n}" for rule, n in sorted(rules.items())) or "nothing"


def _drain(
    ids: list[int], *, worker: subprocess.Popen[bytes], log: Path, stall: float = 60, limit: float = 900
) -> None:
    """Until every notice is settled (sent, blocked, failed or deferred); fail loudly if the worker exits
    or nothing settles for ``stall`` seconds."""
    low, high = min(ids), max(ids)
    window = Notice.objects.filter(pk__gte=low, pk__lte=high, purpose="bench")
    unsettled = window.filter(status__in=["pending", "sending"]).exclude(
        status="pending", not_before__isnull=False
    )
    last, last_change, deadline = -1, time.monotonic(), time.monotonic() + limit
    while True:
        left = unsettled.count()
        if left == 0:
            return
        if left != last:
            last, last_change = left, time.monotonic()
        if worker.poll() is not None:
            raise BenchFailed(f"the worker exited with {worker.returncode}, {left} notices unsettled", log)
        if time.monotonic() - last_change > stall or time.monotonic() > deadline:
            raise BenchFailed(f"{left} of {len(ids)} notices unsettled after {stall:.0f} s without progress: "
                              f"{_outcome(ids)}", log)  # fmt: skip
        time.sleep(0.25)


def measure_worker_throughput(*, count: int, concurrency: int, queue: str, row: Any) -> None:
    """Queue ``count`` notices (the cycle's bulk path), then let a real worker on Redis drain them.

    The queue rate (gate check, render, outbox row, audit event, enqueue) and the dispatch rate (claim
    with a send-time gate check, render, provider call, record and audit) are measured separately: the
    worker starts only once everything is queued, so the two do not compete for the 2 cores. The dispatch
    rate is taken from the rows themselves: from the first claim to the last ``sent_at``. The provider is
    the in-memory SMS backend (in each worker process). Anything but every notice sent exactly once (one
    claim, one ``notice.sent`` event) stops the bench with the reason. Then one batch of 100 is sent in
    this process under a query counter, and one with a fifth of it blocked: the queries per batch.
    """
    from django.db.models import Max, Min
    from django.test.utils import CaptureQueriesContext

    from config.celery import app
    from debt_collections.kernel.audit import Actor
    from debt_collections.models import AuditEvent
    from debt_collections.services.links import links_for_notices
    from notifications.services import NoticeRequest, notice_queue_many, notice_send_many
    from notifications.services.dispatch import SEND_BATCH

    sms_dir = Path(tempfile.mkdtemp(prefix="bench-sms-"))
    log = sms_dir / "worker.log"
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    with app.connection_for_write() as conn:  # sends left by earlier steps must not share the measured run
        conn.default_channel.queue_purge(queue)  # type: ignore[attr-defined]  # kombu Channel API
    zone = _daytime_zone()
    cases = _fresh_cases(count + 200)
    if len(cases) < count + 200:
        raise BenchFailed(f"only {len(cases)} open cases without a recent contact for {count} + 200 notices: "
                          "build a larger N")  # fmt: skip
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
    if _outcome(ids) != {"pending": len(ids)}:
        raise BenchFailed(f"not every bench notice was queued pending: {_outcome(ids)}; {_blocked_by(ids)}")
    row(
        "notices queued (bulk path: gate check, render, outbox row, audit event, enqueue)",
        f"{len(ids) / queued_seconds:.0f}/s ({len(ids)} in {queued_seconds:.2f} s)",
    )
    worker = _start_worker(
        queue=queue, concurrency=concurrency, sms_dir=sms_dir,
        sms_backend="notifications.channels.InMemorySmsBackend",
    )  # fmt: skip
    try:
        started = time.perf_counter()
        _wait_ready(worker, queue=queue, log=log)
        pool = _process_tree(worker.pid)
        cpu_before = _cpu_seconds(pool)
        load_before = os.getloadavg()[0]
        _drain(ids, worker=worker, log=log)
        with_startup = time.perf_counter() - started
        # The machine is shared: CPU per notice says what the rate would be on two free cores. The worker's
        # database connections stay open (CONN_MAX_AGE), so their server processes are still there.
        worker_cpu = _cpu_seconds(pool) - cpu_before
        database_cpu = _cpu_seconds(_database_backends())
        load = (load_before + os.getloadavg()[0]) / 2
    finally:
        _stop_worker(worker)
    outcome = _outcome(ids)
    if outcome != {"sent": len(ids)}:
        raise BenchFailed(f"not every notice was sent: {outcome}; blocked by: {_blocked_by(ids)}", log)
    span = Notice.objects.filter(pk__in=ids).aggregate(first=Min("claimed_at"), last=Max("sent_at"))
    busy = (span["last"] - span["first"]).total_seconds()
    events = AuditEvent.objects.filter(action="notice.sent", case_id__in=[c.pk for c in cases[:count]])
    sent_events = [e for e in events.values_list("payload", flat=True) if e.get("notice") in set(ids)]
    claims = Notice.objects.filter(pk__in=ids, attempts=1).count()
    once = len({e["notice"] for e in sent_events})
    if len(sent_events) != len(ids) or once != len(ids) or claims != len(ids):
        raise BenchFailed(
            f"{len(ids)} notices: {len(sent_events)} notice.sent events for {once}, {claims} claimed once",
            log,
        )
    row(
        f"notices dispatched by a real worker (prefork -c {concurrency}, Redis, {SEND_BATCH} per task, "
        "in-memory SMS provider)",
        f"{len(ids) / busy:,.0f}/s ({len(ids)} sent once each in {busy:.2f} s from the first claim to the "
        f"last send; {len(ids) / with_startup:,.0f}/s with worker start-up)",
        "≥ 1,000/s",
    )
    per_notice = (worker_cpu + database_cpu) / len(ids)
    row(
        "CPU per notice dispatched (worker processes + their PostgreSQL server processes)",
        f"{worker_cpu / len(ids) * 1000:.2f} ms + {database_cpu / len(ids) * 1000:.2f} ms = "
        f"{per_notice * 1000:.2f} ms; load average {load:.1f} on {os.cpu_count()} cores during the run",
        "≤ 2 ms (1,000/s on 2 cores)",
        f"{(os.cpu_count() or 2) / per_notice:,.0f}/s if the cores were the worker's alone",
    )
    # Two more batches, queued without a worker and sent here under a query counter (COPY, which
    # appends the audit events on PostgreSQL, is not a query Django sees; commits are not counted).
    counted: list[str] = []
    for blocked in (0, 20):
        batch_cases = cases[count + 100 * len(counted) : count + 100 * (len(counted) + 1)]
        batch = queue_all(batch_cases)
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(queue)  # type: ignore[attr-defined]  # kombu Channel API
        # A customer who asked us to stop since: blocked at send time (CEASE), recorded and audited.
        Customer.objects.filter(pk__in=[c.customer_id for c in batch_cases[:blocked]]).update(
            cease_communication=True
        )
        with CaptureQueriesContext(connection) as queries:
            notice_send_many(notice_ids=batch)
        got = _outcome(batch)
        if got != {"sent": len(batch) - blocked, **({"blocked": blocked} if blocked else {})}:
            raise BenchFailed(f"the counted batch ended {got}, expected {blocked} blocked")
        counted.append(f"{len(queries)} ({got.get('sent', 0)} sent, {blocked} blocked)")
    row(
        "queries to send one batch of 100 notices (notice_send_many, in this process)",
        " / ".join(counted),
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
    # The sends the in-process runs before this one queued (17,000 at 1,000,000) wait on the bench's
    # queue, which this worker reads: left there, they ran beside the measured group (17 s instead of 11).
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)  # type: ignore[attr-defined]  # kombu Channel API
    # The chunks' sends go to a queue of their own that this worker does not read (NOTICE_SEND_QUEUE, as
    # production can run them): the in-process cycle it is compared with sends nothing either, and 17,000
    # sends would otherwise share the two processes with the chunks. Purged with the bench's queue.
    worker = _start_worker(
        queue=queue,
        concurrency=concurrency,
        sms_dir=sms_dir,
        extra_env={"NOTICE_SEND_QUEUE": send_queue(queue)},
    )
    try:
        _wait_ready(worker, queue=queue, log=sms_dir / "worker.log")
        # Warm both worker processes (imports, compiled templates) with chunks over an empty id range,
        # as the in-process runs it is compared with are warm.
        cycle_send_chunks(as_of=as_of, now=now, ranges=[(0, 0), (-1, -1)], run_id=None).get(timeout=120)
        started = time.perf_counter()
        cycle_start(as_of=as_of, now=now)
        ranges = list(chunks(CreditAccount, group_chunk_size(CreditAccount.objects.count())))
        cycle_send_chunks(as_of=as_of, now=now, ranges=ranges, run_id=None).get(timeout=600)
        return time.perf_counter() - started
    finally:
        _stop_worker(worker)
        app.conf.task_always_eager = eager


def send_queue(queue: str) -> str:
    return f"{queue}-sends"


def group_chunk_size(accounts: int) -> int:
    """The chunks production's beat task sends (``cycle.CHUNK_SIZE``), cut smaller for a small book so that
    both worker processes get some (at least 4 chunks, at least ``MIN_GROUP_CHUNK``): every chunk reads
    its candidates with a fixed ~0.4 s of queries, so 20 chunks of 50,000 cost the 1,000,000 group 5 s."""
    from debt_collections.cycle import CHUNK_SIZE

    return min(CHUNK_SIZE, max(MIN_GROUP_CHUNK, -(-accounts // 4)))


MIN_GROUP_CHUNK = 25_000


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
