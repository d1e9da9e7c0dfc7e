#!/usr/bin/env python
"""Benchmark: audited writes with concurrent writers (issue 13 goal 5: ≥ 5,000 audited events/s with 8
concurrent writers on PostgreSQL, verification still 100 % and no fork).

Not part of the test suite: it prints measured numbers beside the target and asserts nothing about time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/audit_writers_bench.py
    ... --writers 1,8 --seconds 15 --chains 8,1

For each number of chains (``AUDIT_CHAINS``; 1 is the old design: every write queues on one head row) and
each number of writers it (re)creates ``<name>_auditwriters`` next to the configured database, starts that
many writer processes at once and lets them append for ``--seconds``, each through the application's own
``audit_append`` / ``audit_append_many`` in its own transactions, with a realistic mix:

* ``single``: one event per transaction (a page view, a call, a notice sent one by one), 90 % on a case
  drawn from 100,000, 10 % without a case;
* ``mixed``: the same, plus one transaction in ten being a batch of 20 events on 20 cases (a batch of
  notices, a chunk of the daily cycle: ``audit_append_many``).

Checkpoints are sealed as in production (every ``AUDIT_CHECKPOINT_EVERY_EVENTS`` events of a chain, after
commit: that verification is part of the measured cost). After each run ``verify_chain`` checks every hash,
link, MAC and checkpoint of every chain; a fork or a gap would show as BROKEN.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET = 5_000  # audited events/s with 8 writers
CASES = 100_000
BATCH = 20


def prepare_database(suffix: str) -> tuple[str, str]:
    """(Re)create ``<name><suffix>`` next to the configured PostgreSQL database; return (url, name)."""
    from urllib.parse import urlparse, urlunparse

    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("this bench needs PostgreSQL: set DATABASE_URL (row locks are what it measures)")
    parsed = urlparse(url)
    name = (parsed.path.lstrip("/") or "postgres") + suffix
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parsed._replace(path="/" + name)), name


def writer(index: int, mix: str, seconds: float, start: Any, results: Any) -> None:
    """One writer process: append until ``seconds`` after the common start; report (events, transactions,
    deadlocks retried)."""
    import django

    django.setup()
    from django.db import OperationalError, connection, transaction
    from django.utils import timezone

    from debt_collections.kernel.audit import Actor, PendingEvent, audit_append, audit_append_many
    from debt_collections.models import CollectionCase

    rng = random.Random(index)  # noqa: S311 - a bench's choice of cases, not a secret
    agent = Actor.system(f"bench-writer-{index}")
    connection.ensure_connection()
    start.wait()
    events = transactions = retried = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        roll = rng.random()
        try:
            with transaction.atomic():
                now = timezone.now()
                if mix == "mixed" and roll < 0.1:
                    batch = [
                        PendingEvent(
                            action="notice.queued",
                            case_id=rng.randint(1, CASES),
                            payload={"template": "reminder.soft", "amount": f"{rng.randint(1, 99999)}.50"},
                            actor=agent,
                        )
                        for _ in range(BATCH)
                    ]
                    added = audit_append_many(batch, at=now)
                else:
                    case = CollectionCase(pk=rng.randint(1, CASES)) if roll < 0.9 else None
                    audit_append(
                        actor=agent,
                        action="customer.page_viewed" if case is not None else "system.heartbeat",
                        at=now,
                        case=case,
                        payload={"page": "negotiation", "writer": index, "n": transactions},
                    )
                    added = 1
        except OperationalError:
            retried += 1  # a deadlock between two multi-chain transactions: PostgreSQL aborted one
            continue
        events += added
        transactions += 1
    results.put((events, transactions, retried))


def run(chains: int, writers: int, mix: str, seconds: float) -> tuple[float, int, str]:
    os.environ["AUDIT_CHAINS"] = str(chains)
    url, _name = prepare_database("_auditwriters")
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    connection.close()  # the writers are forked: none may share this connection
    context = multiprocessing.get_context("fork")
    start = context.Barrier(writers + 1)
    results = context.Queue()
    processes = [
        context.Process(target=writer, args=(i, mix, seconds, start, results)) for i in range(writers)
    ]
    for process in processes:
        process.start()
    start.wait()
    began = time.perf_counter()
    outcomes = [results.get() for _ in processes]
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - began
    events = sum(o[0] for o in outcomes)
    retried = sum(o[2] for o in outcomes)
    from debt_collections.kernel.audit_verify import verify_chain

    report = verify_chain()
    connection.close()
    verdict = f"verify: {report.describe()[:90]}"
    if retried:
        verdict += f"; {retried} transactions aborted by a deadlock and not counted"
    return events / elapsed, events, verdict


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--writers", default="1,8", help="numbers of writer processes, comma-separated")
    parser.add_argument("--chains", default="8,1", help="AUDIT_CHAINS values, comma-separated (1: old)")
    parser.add_argument("--mix", default="single,mixed", help="single and/or mixed (see above)")
    parser.add_argument("--seconds", type=float, default=15.0, help="how long each run appends")
    args = parser.parse_args()

    tmp = Path(tempfile.gettempdir()) / "collections-auditwriters"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    os.environ["APP_VAR_DIR"] = str(tmp)
    os.environ["AUDIT_SIGNING_KEY_FILE"] = str(tmp / "audit-signing-key.pem")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Production-like: DEBUG off (no query log), so the signing key is made here, not on first use.
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 40)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    (tmp / "audit-signing-key.pem").write_bytes(pem)
    base_url = os.environ.get("DATABASE_URL", "")
    print(f"audited writes, {args.seconds:.0f} s per run; target ≥ {TARGET:,} events/s with 8 writers")
    print(f"{'chains':>6} {'mix':>7} {'writers':>7} {'events':>9} {'events/s':>10} {'target':>10}  result")
    for chains in (int(c) for c in args.chains.split(",")):
        for mix in args.mix.split(","):
            for writers in (int(w) for w in args.writers.split(",")):
                os.environ["DATABASE_URL"] = base_url
                checkpoints = tmp / f"checkpoints-{chains}-{mix}-{writers}"
                os.environ["AUDIT_CHECKPOINT_DIR"] = str(checkpoints)
                # Each run in a fresh process: settings (AUDIT_CHAINS, the database) are read at setup.
                context = multiprocessing.get_context("spawn")
                queue = context.Queue()
                child = context.Process(target=_one, args=(chains, writers, mix, args.seconds, queue))
                child.start()
                rate, events, verdict = queue.get()
                child.join()
                target = f"≥ {TARGET:,}" if writers == 8 else ""
                met = ("met" if rate >= TARGET else "MISSED") if writers == 8 else ""
                print(
                    f"{chains:>6} {mix:>7} {writers:>7} {events:>9,} {rate:>10,.0f} {target:>10}  "
                    f"{met} {verdict}",
                    flush=True,
                )
    print(f"load average {os.getloadavg()[0]:.1f}")


def _one(chains: int, writers: int, mix: str, seconds: float, queue: Any) -> None:
    queue.put(run(chains, writers, mix, seconds))


if __name__ == "__main__":
    main()
