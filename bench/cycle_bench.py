#!/usr/bin/env python
"""Benchmark: the daily cycle against a raw-SQL floor, and notice throughput through a real worker.

Not part of the test suite: it prints measured numbers and asserts nothing about time.

    .venv/bin/python bench/cycle_bench.py --n 100000                    # SQLite in a temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/cycle_bench.py --n 100000 --notices 5000

It never touches the configured database itself: on PostgreSQL it (re)creates ``<name>_bench`` next to
it, on SQLite it uses a temporary file, because audit events are append-only and bench data could
never be removed from a real database.

Scenario (a steady-state day): N accounts, 70% delinquent with days past due spread over 1..400 as of
yesterday, each delinquent account with its case already open in the state yesterday's cycle left it
and yesterday's ladder notice recorded. Today's cycle moves every delinquent account one day on; the
rows that cross a threshold today (new delinquencies, escalations, charge-offs, ladder rungs) are what
the cycle must act on. The floor is the same days-past-due UPDATE as one raw SQL statement, timed three
times from the same table (the median counts: one UPDATE of 70,000 rows varies by half from try to try).

The cycle runs as ``manage.py run_collection_cycle`` runs it (``CYCLE_WORKERS`` chunks at once in worker
processes on PostgreSQL), then the next day one chunk at a time, then, with ``--fanout``, the day after as
a Celery group on real workers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def prepare_database() -> str:
    """Point Django at a throwaway bench database; return a description."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parsed = urlparse(url)
        bench_name = (parsed.path.lstrip("/") or "postgres") + "_bench"
        admin = urlunparse(parsed._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{bench_name}"')
        os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path="/" + bench_name))
        return f"PostgreSQL database {bench_name}"
    tmp = tempfile.mkdtemp(prefix="collections-bench-")
    os.environ["APP_VAR_DIR"] = tmp
    os.environ.pop("DATABASE_URL", None)
    return f"SQLite in {tmp}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000, help="accounts")
    parser.add_argument(
        "--notices", type=int, default=2000, help="notices for the worker throughput run (0: skip)"
    )
    parser.add_argument(
        "--chunk-size", type=int, default=None, help="accounts per chunk (default: the cycle's CHUNK_SIZE)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="chunks the in-process cycle runs at once (default: settings.CYCLE_WORKERS; 1 on SQLite)",
    )
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument(
        "--fanout",
        action="store_true",
        help="also run the next day's cycle as a Celery group on real workers (needs REDIS_URL)",
    )
    args = parser.parse_args()

    where = prepare_database()
    if args.fanout and os.environ.get("REDIS_URL"):
        # Waiting on the group needs a result backend, in this process and in the workers it starts.
        os.environ["CELERY_RESULT_BACKEND"] = os.environ["REDIS_URL"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("NOTICE_SMS_BACKEND", "notifications.channels.FileSmsBackend")
    import django

    django.setup()
    from django.core.management import call_command

    print(f"database: {where}")
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - t0:.1f} s")

    from bench import scenario
    from config.celery import app

    # The cycle enqueues sends; keep them on a queue of our own so no other worker ever runs them, and
    # purge it afterwards (those notices live in the throwaway bench database).
    bench_queue = f"bench-{os.getpid()}"
    app.conf.task_default_queue = bench_queue

    today = date(2026, 6, 1)
    t0 = time.perf_counter()
    counts = scenario.build(n=args.n, as_of=today - timedelta(days=1))
    print(f"build {args.n} accounts: {time.perf_counter() - t0:.1f} s  {counts}")

    floor = scenario.measure_floor(as_of=today, reset_to=today - timedelta(days=1))
    tries = ", ".join(f"{t:.3f}" for t in floor["tries"])
    print(
        f"floor (one raw SQL UPDATE of days past due): {floor['seconds']:.3f} s median of {tries}; "
        f"{floor['rows']} rows"
    )

    from debt_collections.cycle import CHUNK_SIZE, cycle_run, cycle_workers

    args.chunk_size = args.chunk_size or CHUNK_SIZE

    workers = cycle_workers(args.workers)
    now = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai: inside contact hours
    t0 = time.perf_counter()
    report = cycle_run(as_of=today, chunk_size=args.chunk_size, now=now, workers=workers)
    cycle_seconds = time.perf_counter() - t0
    print(
        f"cycle for N={args.n} in-process, {workers} chunk(s) at once: {cycle_seconds:.3f} s  "
        f"{report.as_dict()}"
    )
    print(f"ratio cycle / floor: {cycle_seconds / floor['seconds']:.2f}")
    t0 = time.perf_counter()
    again = cycle_run(as_of=today, chunk_size=args.chunk_size, now=now, workers=workers)
    changed = {k: v for k, v in again.as_dict().items() if k not in ("as_of", "errors") and v}
    print(f"second run, same date: {time.perf_counter() - t0:.3f} s, changes: {changed or 'none'}")
    next_day = today + timedelta(days=1)
    if workers > 1:
        # The same cycle one chunk after another, for the next day (as much work: the rows that cross a
        # threshold that day), against the floor measured above.
        t0 = time.perf_counter()
        serial = cycle_run(as_of=next_day, chunk_size=args.chunk_size, now=now + timedelta(days=1), workers=1)
        seconds = time.perf_counter() - t0
        print(
            f"cycle for {next_day} in-process, one chunk at a time: {seconds:.3f} s, "
            f"{serial.accounts_updated} accounts updated, {serial.notices_queued} notices queued; "
            f"ratio to the floor: {seconds / floor['seconds']:.2f}"
        )
        next_day += timedelta(days=1)

    if os.environ.get("REDIS_URL"):
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(bench_queue)  # type: ignore[attr-defined]  # kombu Channel API
    if os.environ.get("REDIS_URL") and args.fanout:
        scenario.measure_fanout(
            as_of=next_day,
            chunk_size=args.chunk_size,
            concurrency=args.worker_concurrency,
            queue=bench_queue,
            floor_seconds=floor["seconds"],
        )
    if args.notices and os.environ.get("REDIS_URL"):
        scenario.measure_worker_throughput(
            count=args.notices, concurrency=args.worker_concurrency, queue=bench_queue
        )
    elif args.notices:
        print("notice throughput: skipped (set REDIS_URL to run it through a real worker)")


if __name__ == "__main__":
    main()
