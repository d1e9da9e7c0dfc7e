#!/usr/bin/env python
"""Benchmark: ``verify_audit`` on N audit events (issue 13: 1,000,000 events in at most 5 s on PostgreSQL).

Not part of the test suite: it prints measured numbers beside the target and asserts nothing about time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/audit_bench.py --n 1000000
    .venv/bin/python bench/audit_bench.py --n 100000                      # SQLite in a temp dir

It never touches the configured database: on PostgreSQL it (re)creates ``<name>_auditbench`` next to it
(audit events are append-only, bench data could never be removed from a real database), on SQLite it uses
a temporary file. The events are real ones: hashed, MAC'd and linked by the application's own functions,
written with one ``COPY``, sealed by one signed checkpoint; then ``verify_chain`` runs exactly as
``manage.py verify_audit`` runs it (every hash, link, MAC and checkpoint), ``--runs`` times.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_SECONDS = 5.0


def prepare_database(*, reuse: bool) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parsed = urlparse(url)
        name = (parsed.path.lstrip("/") or "postgres") + "_auditbench"
        admin = urlunparse(parsed._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not (reuse and exists):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path="/" + name))
        return f"PostgreSQL database {name}"
    os.environ.pop("DATABASE_URL", None)
    return "SQLite in the temporary directory"


def build(n: int, batch: int) -> float:
    """N events through the application's hashing and MAC, written with COPY; the head moved; returns s."""
    from datetime import UTC, datetime, timedelta

    from django.db import connection, transaction

    from debt_collections.kernel.audit import chain_for, compute_hash, event_fields
    from debt_collections.kernel.audit_keys import audit_keys
    from debt_collections.models import GENESIS_HASH, AuditChainHead, AuditEvent
    from debt_collections.models.audit_seals import canonical_json

    keys = audit_keys()
    start = time.perf_counter()
    table = AuditEvent._meta.db_table
    columns = "chain, seq, at, actor, actor_user_id, action, case_id, payload, prev_hash, hash, mac"
    base = datetime(2026, 1, 1, tzinfo=UTC)
    heads: dict[int, tuple[int, str]] = {}  # chain -> (seq, hash): events spread over chains as appends do
    done = 0
    while done < n:
        rows = []
        for _ in range(min(batch, n - done)):
            done += 1
            at = base + timedelta(seconds=done)
            payload = {"notice": done, "template": "reminder.soft", "amount": f"{done % 9973}.50"}
            case_id = done % 50_000 or None
            chain = chain_for(case_id)
            seq, prev = heads.get(chain, (0, GENESIS_HASH))
            seq += 1
            fields = event_fields(
                seq=seq,
                at=at,
                actor="system:bench",
                action="notice.sent",
                case_id=case_id,
                payload=payload,
                chain=chain,
            )
            digest = compute_hash(prev, fields)
            rows.append(
                (
                    chain,
                    seq,
                    at,
                    "system:bench",
                    None,
                    "notice.sent",
                    case_id,
                    canonical_json(payload),
                    prev,
                    digest,
                    keys.mac(digest),
                )
            )
            heads[chain] = (seq, digest)
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                adapt = connection.ops.adapt_datetimefield_value
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 10)})",  # noqa: S608
                    [(*r[:2], adapt(r[2]), *r[3:]) for r in rows],
                )
        print(f"  … {done:,} events written", file=sys.stderr)
    for chain, (seq, digest) in heads.items():
        AuditChainHead.objects.update_or_create(pk=chain, defaults={"last_seq": seq, "last_hash": digest})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000, help="audit events")
    parser.add_argument("--runs", type=int, default=2, help="verifications timed")
    parser.add_argument("--batch", type=int, default=100_000, help="events per COPY")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="PostgreSQL: keep the bench database (and key) of an earlier run if it holds --n events",
    )
    args = parser.parse_args()

    # The key and checkpoints live beside the bench database, so --reuse finds the ones that sealed it.
    tmp = Path(tempfile.gettempdir()) / "collections-auditbench"
    if not args.reuse and tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(exist_ok=True)
    os.environ["APP_VAR_DIR"] = str(tmp)
    os.environ["AUDIT_SIGNING_KEY_FILE"] = str(tmp / "audit-signing-key.pem")
    os.environ["AUDIT_CHECKPOINT_DIR"] = str(tmp / "checkpoints")
    where = prepare_database(reuse=args.reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from debt_collections.kernel.audit_keys import audit_keys
    from debt_collections.kernel.audit_verify import verify_chain
    from debt_collections.kernel.checkpoints import checkpoint_sign, checkpoint_store
    from debt_collections.models import AuditChainHead

    call_command("migrate", verbosity=0)
    from django.conf import settings

    print(f"audit bench: {args.n:,} events on {settings.AUDIT_CHAINS} chains, {where}", flush=True)
    heads = {c: (s, h) for c, s, h in AuditChainHead.objects.values_list("id", "last_seq", "last_hash")}
    if args.reuse and sum(s for s, _h in heads.values()) == args.n:
        print("build: reused the events and the checkpoint of an earlier run")
    else:
        built = build(args.n, args.batch)
        heads = {c: (s, h) for c, s, h in AuditChainHead.objects.values_list("id", "last_seq", "last_hash")}
        checkpoint = checkpoint_sign(audit_keys(), heads=heads, at=timezone.now())
        checkpoint_store().put(checkpoint.name, checkpoint.to_bytes())
        print(f"build (hash + MAC in Python, COPY): {built:.1f} s ({args.n / built:,.0f} events/s)")

    print(f"{'verify_audit run':<18}{'events':>12}{'seconds':>10}{'events/s':>14}{'target':>10}  result")
    for run in range(1, args.runs + 1):
        start = time.perf_counter()
        report = verify_chain()
        seconds = time.perf_counter() - start
        verdict = "OK" if report.ok else f"BROKEN at {report.broken_seq}"
        met = "met" if seconds <= TARGET_SECONDS else "MISSED"
        print(
            f"{run:<18}{report.count:>12,}{seconds:>10.2f}{report.count / seconds:>14,.0f}"
            f"{'≤ 5 s':>10}  {verdict}, target {met}",
            flush=True,
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MB; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
