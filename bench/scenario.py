"""Bench data and measurements for ``bench/cycle_bench.py`` (see its docstring for the scenario).

Bench data is written with bulk inserts, not through the services: it stands for what earlier cycles
left behind, and building 100,000 histories one by one would measure the builder, not the cycle.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import ContactPoint, CreditAccount, Customer
from debt_collections.cycle import ESCALATE_AT_DPD
from debt_collections.models import CollectionCase, CreditReportNotice
from debt_collections.policies import get_pack
from notifications.models import Notice, NoticeTemplate

BATCH = 5000
ROOT = Path(__file__).resolve().parent.parent


def _state_for(dpd: int) -> str:
    if dpd >= get_pack("CN").charge_off_dpd:
        return "charged_off"
    return "active" if dpd >= ESCALATE_AT_DPD else "early"


def build(*, n: int, as_of: date) -> dict[str, int]:
    """N customers with one verified phone and one account each, as yesterday's cycle left them."""
    rng = random.Random(20261121)  # noqa: S311  (bench data, not security)
    pack = get_pack("CN")
    now = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC)
    templates = {
        t.key: t for t in NoticeTemplate.objects.filter(channel="sms", locale="zh-hans", status="approved")
    }
    made = {"customers": 0, "cases": 0, "notices": 0}
    for start in range(0, n, BATCH):
        size = min(BATCH, n - start)
        with transaction.atomic():
            customers = Customer.objects.bulk_create(
                [
                    Customer(
                        full_name=f"客户{start + i:06d}",
                        national_id_last4="1234",
                        national_id_hash="x",
                        date_of_birth=date(1985, 1, 1),
                        locale="zh-hans",
                        time_zone="Asia/Shanghai",
                        jurisdiction="CN",
                    )
                    for i in range(size)
                ]
            )
            points = ContactPoint.objects.bulk_create(
                [
                    ContactPoint(
                        customer=c,
                        kind="phone",
                        phone=f"+86139{start + i:08d}",
                        status="verified",
                        consent_at=now - timedelta(days=30),
                        verified_at=now - timedelta(days=20),
                    )
                    for i, c in enumerate(customers)
                ]
            )
            accounts = []
            for i, c in enumerate(customers):
                delinquent = rng.random() < 0.7
                dpd = rng.randint(1, 400) if delinquent else 0
                due = (
                    as_of - timedelta(days=dpd) if delinquent else as_of + timedelta(days=rng.randint(0, 25))
                )
                accounts.append(
                    CreditAccount(
                        customer=c,
                        account_number=f"B{start + i:09d}",
                        product="信用卡",
                        currency="CNY",
                        credit_limit=Decimal("20000.00"),
                        principal=Decimal(rng.randint(500, 20000)),
                        interest=Decimal("120.50"),
                        fees=Decimal("50.00"),
                        penalty_interest=Decimal("30.25"),
                        due_date=due,
                        days_past_due=dpd,
                        status="delinquent" if delinquent else "current",
                        opened_at=date(2024, 1, 1),
                    )
                )
            accounts = CreditAccount.objects.bulk_create(accounts)
            cases = CollectionCase.objects.bulk_create(
                [
                    CollectionCase(
                        account=a,
                        customer_id=a.customer_id,
                        state=_state_for(a.days_past_due),
                        opened_at=now - timedelta(days=a.days_past_due),
                    )
                    for a in accounts
                    if a.days_past_due > 0
                ]
            )
            point_of = {p.customer_id: p for p in points}
            notices = []
            for case, account in zip(cases, [a for a in accounts if a.days_past_due > 0], strict=True):
                reached = [(d, k) for d, k in pack.reminder_ladder if account.days_past_due >= d]
                if not reached or case.state == "charged_off":
                    continue
                threshold, key = reached[-1]
                point = point_of[account.customer_id]
                rung_date = (account.due_date or as_of) + timedelta(days=threshold)
                notices.append(
                    Notice(
                        case=case,
                        template=templates[key],
                        contact_point=point,
                        channel="sms",
                        recipient=str(point.phone),
                        body="(bench)",
                        body_hash="0" * 64,
                        due_date=rung_date,
                        idempotency_key=f"{case.pk}:{key}:{point.pk}:{rung_date.isoformat()}",
                        status="sent",
                        decision={"allowed": True},
                        queued_at=now - timedelta(days=3),
                        claimed_at=now - timedelta(days=3),
                        sent_at=now - timedelta(days=3),
                        queued_by="bench",
                        purpose=f"ladder:{key}",
                    )
                )
            Notice.objects.bulk_create(notices)
            # Pre-notices sent on earlier days have their credit-report record, delivered, and were
            # reported by the feed once eligible: the steady state the daily cycle starts from.
            records = []
            for notice in notices:
                if notice.template.key != "credit_report.pre_notice":
                    continue
                sent = datetime.combine(notice.due_date, datetime.min.time(), tzinfo=UTC)
                eligible = sent + timedelta(days=pack.credit_report_prenotice_days)
                reported = eligible < now
                records.append(
                    CreditReportNotice(
                        case_id=notice.case_id,
                        account_id=notice.case.account_id,
                        pre_notice=notice,
                        channel="sms",
                        policy_version=pack.version,
                        prenotice_days=pack.credit_report_prenotice_days,
                        created_at=sent,
                        sent_at=sent,
                        delivered_at=sent,
                        eligible_at=eligible,
                        reported_at=eligible + timedelta(days=1) if reported else None,
                        status="reported" if reported else "pending",
                    )
                )
            CreditReportNotice.objects.bulk_create(records)
        made["customers"] += size
        made["cases"] += len(cases)
        made["notices"] += len(notices)
    return made


def _dpd_sql(as_of: date) -> tuple[str, list[str]]:
    table = CreditAccount._meta.db_table
    d = as_of.isoformat()
    if connection.vendor == "postgresql":
        expr = (
            "CASE WHEN due_date IS NOT NULL AND due_date < %s::date AND (principal + interest + fees + "
            "penalty_interest) > 0 THEN (%s::date - due_date) ELSE 0 END"
        )
    else:
        expr = (
            "CASE WHEN due_date IS NOT NULL AND due_date < %s AND (principal + interest + fees + "
            "penalty_interest) > 0 THEN CAST(julianday(%s) - julianday(due_date) AS INTEGER) ELSE 0 END"
        )
    sql = (
        f"UPDATE {table} SET days_past_due = {expr}, "  # noqa: S608 (constants only)
        f"status = CASE WHEN {expr} > 0 THEN 'delinquent' ELSE 'current' END "
        f"WHERE status IN ('current', 'delinquent') AND days_past_due <> {expr}"
    )
    return sql, [d] * 6


def measure_floor(*, as_of: date, reset_to: date, repeats: int = 3) -> dict[str, Any]:
    """Time the bare days-past-due UPDATE for ``as_of`` ``repeats`` times, putting the rows back as of
    ``reset_to`` (and vacuuming) after each, so every try starts from the same table. One UPDATE of
    70,000 rows varies by a factor of 1.5 from one try to the next on this machine: the median is the
    floor, and every try is printed."""
    sql, params = _dpd_sql(as_of)
    reset_sql, reset_params = _dpd_sql(reset_to)
    tries: list[float] = []
    rows = 0
    for _ in range(repeats):
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.rowcount
            tries.append(time.perf_counter() - started)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(reset_sql, reset_params)
        if connection.vendor == "postgresql":
            # A live database has planner statistics and no backlog of dead rows (autovacuum); freshly
            # bulk-loaded and just-updated tables have neither, and every later query would misjudge.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
    return {"seconds": statistics.median(tries), "tries": tries, "rows": rows}


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


def measure_worker_throughput(*, count: int, concurrency: int, queue: str) -> None:
    """Queue ``count`` notices (the cycle's bulk path), then let a real worker on Redis drain them.

    Prints the queue rate (gate check, render, outbox row, audit event, enqueue) and the dispatch rate
    (claim with a send-time gate check, provider call, record and audit), measured separately: the
    worker starts only once everything is queued, so the two do not compete for the 2 cores.
    """
    from config.celery import app
    from debt_collections.kernel.audit import Actor
    from notifications.services import NoticeRequest, notice_queue_many

    sms_dir = Path(tempfile.mkdtemp(prefix="bench-sms-"))
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    with app.connection_for_write() as conn:  # sends left by earlier steps must not share the measured run
        conn.default_channel.queue_purge(queue)  # type: ignore[attr-defined]  # kombu Channel API
    zone = _daytime_zone()
    case_ids = list(
        CollectionCase.objects.filter(state__in=["early", "active"])
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    cases = list(
        CollectionCase.objects.filter(pk__in=case_ids)
        .select_related("account", "customer")
        .prefetch_related("customer__contact_points")
    )
    Customer.objects.filter(pk__in=[c.customer_id for c in cases]).update(time_zone=zone)
    for case in cases:
        case.customer.time_zone = zone
    actor = Actor.system("bench")
    started = time.perf_counter()
    ids: list[int] = []
    for start in range(0, len(cases), 500):
        batch = cases[start : start + 500]
        requests = [
            NoticeRequest(
                case=c,
                template_key="reminder.soft",
                contact_point=c.customer.contact_points.all()[0],
                due_date=date(2026, 6, 2),
                purpose="bench",
            )
            for c in batch
        ]
        ids.extend(n.pk for n in notice_queue_many(requests=requests, actor=actor, now=timezone.now()))
    queued_seconds = time.perf_counter() - started
    print(
        f"notices queued: {len(ids)} in {queued_seconds:.2f} s = {len(ids) / queued_seconds:.0f}/s "
        f"(bulk path: gate check, render, outbox row, audit event, enqueue)"
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
        calls = (sms_dir / "calls.log").read_text().count("\n") if (sms_dir / "calls.log").exists() else 0
        busy = finished - (first_sent or started)
        print(
            f"notices dispatched by a real worker (prefork -c {concurrency}) on Redis: {sent} sent; "
            f"{sent / busy:.0f}/s from the first send to the last ({busy:.2f} s), "
            f"{sent / (finished - started):.0f}/s including worker start-up; provider calls: {calls}"
        )
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def measure_fanout(
    *, as_of: date, chunk_size: int, concurrency: int, queue: str, floor_seconds: float
) -> None:
    """The next day's cycle as production runs it: chunk tasks in a Celery group on real workers."""
    from celery import group

    from accounts.models import CreditAccount
    from config.celery import app
    from debt_collections.cycle import chunks
    from debt_collections.tasks import run_cycle_chunk

    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    sms_dir = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    worker = _start_worker(queue=queue, concurrency=concurrency, sms_dir=sms_dir)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not app.control.ping(destination=[f"{queue}@bench"], timeout=1):
            pass
        jobs = [run_cycle_chunk.s(as_of.isoformat(), lo, hi) for lo, hi in chunks(CreditAccount, chunk_size)]
        started = time.perf_counter()
        results = group(jobs).apply_async().get(timeout=600)
        seconds = time.perf_counter() - started
        queued = sum(int(r["notices_queued"]) for r in results)
        opened = sum(int(r["cases_opened"]) for r in results)
        print(
            f"cycle for {as_of} as a Celery group ({len(jobs)} chunks, prefork -c {concurrency}): "
            f"{seconds:.3f} s, {opened} cases opened, {queued} notices queued; "
            f"ratio to the floor: {seconds / floor_seconds:.2f}"
        )
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
