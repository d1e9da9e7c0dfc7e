#!/usr/bin/env python
"""The one bench command (issue 13): every number beside its target, and its floor where there is one.

Not part of the test suite: it prints measured numbers and asserts nothing about time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME REDIS_URL=redis://127.0.0.1:6379/N \\
        .venv/bin/python bench/run.py --sizes 100000,1000000 --notices 5000 --fanout --pages

It never touches the configured database itself: it (re)creates ``<name>_bench`` next to it for each
size, because audit events are append-only and bench data could never be removed from a real database.
It runs with DEBUG off (Django's query log would otherwise hold every statement: 906 MB at 1,000,000).

For each N: build the data with COPY (``bench/build.py``: yesterday's state, 70% delinquent), time the
floor (the old design's daily cost: one raw UPDATE rewriting every open account's days past due, rolled
back), today's cycle in-process, a second run for the same date, with ``--fanout`` the next day as a
Celery group on a real worker (2 processes) on Redis, and the staff lists. Then notices dispatched by a
real worker, and with ``--pages`` the load test of ``bench/load.py`` against gunicorn.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import ROWS, production_env, row  # noqa: E402 (after the path is set)

TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai: inside contact hours
STEPS = (
    ("update_days_past_due", "days past due"),
    ("limit_changes_apply_due", "limit changes"),
    ("_open_cases", "open cases"),
    ("plan_activate_after_cooling_off", "plans activated"),
    ("plan_break_missed", "plans broken"),
    ("_transitions", "transitions"),
    ("_queue_ladder_notices", "ladder notices"),
    ("notice_queue_many", "of which notice_queue_many"),
    ("credit_report_cycle", "credit reporting"),
    ("cycle_step", "work queue (issue 14)"),
)


def where_time_goes(profile: cProfile.Profile) -> str:
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]  # (file, line, name) -> (cc, nc, tt, ct, callers)
    seconds: dict[str, float] = {}
    for (_file, _line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.items():
        seconds[name] = seconds.get(name, 0.0) + cumulative
    return ", ".join(f"{label} {seconds[name]:.2f} s" for name, label in STEPS if name in seconds)


def recreate_database() -> str:
    import psycopg

    url = os.environ["BENCH_BASE_URL"]
    parsed = urlparse(url)
    bench_name = (parsed.path.lstrip("/") or "postgres") + "_bench"
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{bench_name}"')
    return bench_name


def fresh_checkpoint_store() -> None:
    """An empty checkpoint directory for each new database: the signed checkpoints of an earlier bench
    database would otherwise read as a chain cut back (and the seal refuses to publish, correctly)."""
    from django.conf import settings

    path = tempfile.mkdtemp(prefix="bench-checkpoints-")
    os.environ["AUDIT_CHECKPOINT_DIR"] = path  # the workers and gunicorn this bench starts
    settings.AUDIT_CHECKPOINT_DIR = Path(path)


def seal_built_history() -> None:
    """Sign a checkpoint over the history the build wrote, as a running system has one from its last
    seal: otherwise the first seal of the measured cycle verifies the whole built chain from genesis
    (43 s at 1,000,000 in cProfile), which a real day never does."""
    from debt_collections.kernel.sealing import checkpoint_seal

    t0 = time.perf_counter()
    seal = checkpoint_seal(reason="bench build")
    if seal is None or not seal.ok:
        raise SystemExit(f"the built history did not seal: {seal and seal.error}")
    row(
        "checkpoint over the built history (verifies every chain from genesis)",
        f"{time.perf_counter() - t0:.1f} s",
    )


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def floor_seconds() -> tuple[float, int]:
    """The old design's daily cost: every open account's days past due rewritten (rolled back, vacuumed)."""
    from django.db import connection, transaction

    from accounts.models import CreditAccount

    table = CreditAccount._meta.db_table
    expr = (
        "CASE WHEN due_date IS NOT NULL AND due_date < %s::date AND (principal + interest + fees + "
        "penalty_interest) > 0 THEN (%s::date - due_date) ELSE 0 END"
    )
    sql = (
        f"UPDATE {table} SET days_past_due = {expr} "  # noqa: S608 (constants only)
        f"WHERE status IN ('current', 'delinquent') AND days_past_due <> {expr}"
    )
    d = TODAY.isoformat()
    started = time.perf_counter()
    rows = 0
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [d, d, d, d])
            rows = cursor.rowcount
            seconds = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return seconds, rows


class _Rollback(Exception):
    pass


def one_size(n: int, args: argparse.Namespace, queue: str) -> dict[str, float]:
    from django.db import connections

    connections.close_all()
    name = recreate_database()
    fresh_checkpoint_store()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench import build, scenario
    from debt_collections.cycle import cycle_run

    print(f"\n== N = {n:,} (database {name}) ==")
    t0 = time.perf_counter()
    made = build.build(n=n, as_of=TODAY - timedelta(days=1))
    seconds = time.perf_counter() - t0
    target = "≤ 180 s" if n == 1_000_000 else ""
    row(f"build of the bench data with COPY, N={n:,}", f"{seconds:.1f} s ({made})", target)
    out: dict[str, float] = {"build": seconds}
    seal_built_history()

    floor, rows = floor_seconds()
    out["floor"] = floor
    row(
        f"floor N={n:,}: one UPDATE rewriting days past due (the old design's daily cost)",
        f"{floor:.2f} s, {rows:,} rows",
    )

    due = scenario.count_due(TODAY)
    t0 = time.perf_counter()
    report = cycle_run(as_of=TODAY, now=NOW)
    cycle = time.perf_counter() - t0
    out["cycle"] = cycle
    target = "≤ 10 s" if n == 1_000_000 else "≤ 60 s" if n == 10_000_000 else ""
    row(
        f"daily cycle N={n:,} in-process ({due:,} accounts reach a threshold, "
        f"{report.accounts_updated:,} change)",
        f"{cycle:.2f} s: {report.cases_opened} opened, {report.escalated} escalated, "
        f"{report.charged_off} charged off, {report.notices_queued} notices queued, "
        f"{report.credit_reports_registered} credit records",
        target,
        f"floor {floor:.2f} s, cycle/floor {cycle / floor:.2f}×",
    )
    from debt_collections.services.queue import queue_refresh_due_all

    t0 = time.perf_counter()
    due_rows = queue_refresh_due_all(now=NOW)
    queue_seconds = time.perf_counter() - t0
    row(
        f"work-queue rows the day marked due, computed after the cycle N={n:,} (queue_refresh_due: the "
        "workers' periodic task in production)",
        f"{queue_seconds:.2f} s for {due_rows:,} rows ({due_rows / max(queue_seconds, 1e-9):,.0f}/s)",
    )
    t0 = time.perf_counter()
    again = cycle_run(as_of=TODAY, now=NOW + timedelta(hours=1))
    second = time.perf_counter() - t0
    changed = {k: v for k, v in again.as_dict().items() if k not in ("as_of", "errors") and v}
    row(f"second run for the same date N={n:,}", f"{second:.2f} s, changes: {changed or 'none'}", "≤ 1 s")
    out["second"] = second

    if args.fanout and os.environ.get("REDIS_URL"):
        day = TODAY + timedelta(days=1)
        due = scenario.count_due(day)
        group = scenario.measure_fanout(as_of=day, now=NOW + timedelta(days=1), queue=queue, concurrency=2)
        # The production cycle: beat runs ``cycle_start`` and fans the chunks out to the workers, so the
        # daily cycle's target applies here as well as to the in-process run above.
        target = "≤ 10 s" if n == 1_000_000 else "≤ 60 s" if n == 10_000_000 else ""
        row(
            f"next day N={n:,} as a Celery group on a real worker, production's way (prefork -c 2, Redis; "
            f"{due:,} due; chunks of {scenario.group_chunk_size(n):,}; its sends on their own queue, "
            "not sent here)",
            f"{group:.2f} s", target, f"cycle/floor {group / floor:.2f}×",
        )  # fmt: skip
        day += timedelta(days=1)
        due = scenario.count_due(day)
        profile = cProfile.Profile()
        t0 = time.perf_counter()
        profile.enable()
        cycle_run(as_of=day, now=NOW + timedelta(days=2))
        profile.disable()
        serial = time.perf_counter() - t0
        row(
            f"the day after N={n:,} in-process, chunks one after another ({due:,} due; under cProfile)",
            f"{serial:.2f} s", "", f"cycle/floor {serial / floor:.2f}×",
        )  # fmt: skip
        row(f"where that day's time goes, N={n:,} (cProfile, cumulative)", where_time_goes(profile))
    if args.lists:
        scenario.measure_staff_lists(n=n, row=row)
    scenario.measure_phone_paths(row=row)
    return out


def dispatch_only(args: argparse.Namespace, queue: str) -> None:
    """Build the first size's data and measure only the notices (queue, then a real worker's dispatch)."""
    from django.core.management import call_command
    from django.db import connections

    from bench import build, scenario

    if not os.environ.get("REDIS_URL"):
        sys.exit("--only dispatch needs REDIS_URL (a real worker on Redis)")
    n = int(args.sizes.split(",")[0])
    connections.close_all()
    name = recreate_database()
    fresh_checkpoint_store()
    call_command("migrate", verbosity=0)
    print(f"\n== notices only, N = {n:,} (database {name}) ==")
    t0 = time.perf_counter()
    made = build.build(n=n, as_of=TODAY - timedelta(days=1))
    row(f"build of the bench data with COPY, N={n:,}", f"{time.perf_counter() - t0:.1f} s ({made})")
    seal_built_history()
    scenario.measure_worker_throughput(count=args.notices, concurrency=2, queue=queue, row=row)
    row("peak RSS of the bench process", f"{rss_mb():.0f} MB", "< 300 MB")
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}\n")
    print("| measure | measured | target | floor / ratio |\n|---|---|---|---|")
    for measure, measured, target, floor in ROWS:
        print(f"| {measure} | {measured} | {target} | {floor} |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated N (accounts)")
    parser.add_argument(
        "--notices", type=int, default=5000, help="notices for the worker throughput (0: skip)"
    )
    parser.add_argument("--fanout", action="store_true", help="also the next day as a Celery group (Redis)")
    parser.add_argument("--no-lists", dest="lists", action="store_false", help="skip the staff list timings")
    parser.add_argument(
        "--pages", action="store_true", help="load test the pages with gunicorn (bench/load.py)"
    )
    parser.add_argument(
        "--only",
        choices=["dispatch"],
        help="dispatch: build the first size's data, then only queue and dispatch --notices through a "
        "real worker (no cycle, lists or pages)",
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/run.py needs DATABASE_URL=postgres://... (the data is built with COPY)")
    os.environ["BENCH_BASE_URL"] = url
    parsed = urlparse(url)
    os.environ["DATABASE_URL"] = urlunparse(
        parsed._replace(path="/" + (parsed.path.lstrip("/") or "postgres") + "_bench")
    )
    production_env()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from config.celery import app

    call_command("audit_keygen", stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))  # noqa: SIM115
    call_command("collectstatic", "--noinput", "-v", "0")  # the production static storage needs its manifest
    queue = f"bench-{os.getpid()}"
    app.conf.task_default_queue = queue  # the cycle's sends stay on a queue no other worker reads
    print(f"DEBUG={settings.DEBUG}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    results: dict[int, dict[str, float]] = {}
    failed: list[str] = []
    if args.only == "dispatch":
        dispatch_only(args, queue)
        return
    for n in [int(s) for s in args.sizes.split(",") if s]:
        results[n] = one_size(n, args, queue)
        if os.environ.get("REDIS_URL"):
            from bench.scenario import send_queue

            with app.connection_for_write() as conn:
                for name in (queue, send_queue(queue)):
                    conn.default_channel.queue_purge(name)  # type: ignore[attr-defined]  # kombu Channel API
    sizes = sorted(results)
    for small, big in zip(sizes, sizes[1:], strict=False):
        growth = results[big]["cycle"] / results[small]["cycle"]
        row(
            f"growth of the cycle {small:,} → {big:,} ({big / small:.0f}× the accounts)",
            f"{growth:.1f}× the time", "close to the growth of the day's changes",
        )  # fmt: skip
    if args.notices and os.environ.get("REDIS_URL"):
        from bench import scenario

        try:
            scenario.measure_worker_throughput(count=args.notices, concurrency=2, queue=queue, row=row)
        except scenario.BenchFailed as exc:
            print(exc.code, file=sys.stderr)  # the reason and the worker's log
            row(
                "notices dispatched by a real worker (prefork -c 2) on Redis",
                f"FAILED: {exc.reason}",
                "≥ 1,000/s",
            )
            failed.append(f"notice dispatch: {exc.reason}")
    if args.pages:
        from bench import load

        failed += load.run_all(row=row)
    row("peak RSS of the bench process", f"{rss_mb():.0f} MB", "< 300 MB")
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}\n")
    print("| measure | measured | target | floor / ratio |\n|---|---|---|---|")
    for measure, measured, target, floor in ROWS:
        print(f"| {measure} | {measured} | {target} | {floor} |")
    if failed:
        sys.exit(f"\nFAILED: {'; '.join(failed)}")


if __name__ == "__main__":
    main()
