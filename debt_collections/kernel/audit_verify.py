"""Verification of the audit chain: every event, every link, every MAC, every signed checkpoint.

What is checked, in seq order from the genesis hash (or from a given verified point):

* seqs run without a gap (a deleted, swapped or renumbered event leaves one);
* each event's hash is ``sha256(prev_hash + canonical text of its stored columns)``; the payload column
  *is* canonical text, so nothing is re-serialised (on PostgreSQL ``sha256()`` runs in the database);
* each ``prev_hash`` is the hash before it;
* each MAC is ``HMAC(key, hash)`` with the key the database never holds: a forged append or a recomputed
  chain has hashes that verify, never MACs that do, so the first such row is named even after the last
  checkpoint;
* each signed checkpoint in the store names a hash the chain still has at its seq: a cut tail (with the head
  moved back to match) loses the seq a checkpoint names;
* the chain head row names the last event.

The report names the first seq that differs, and how many events are newer than the last checkpoint (not
yet sealed: the window in which a cut tail would only be found at the next checkpoint).

Speed (issue 13): rows are streamed as plain tuples, never model instances. On PostgreSQL the rows come
through one ``COPY`` and the hashes are checked by one SQL statement, on another connection at the same time
when the chain is long: each row's hash depends only on its own columns, so only the link check needs order.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import re
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction

from debt_collections.kernel.audit_keys import AuditKeys, audit_keys
from debt_collections.kernel.checkpoints import (
    Checkpoint,
    StoredCheckpoints,
    checkpoint_store,
    checkpoints_load,
)
from debt_collections.models import GENESIS_HASH, AuditChainHead, AuditEvent

TABLE = AuditEvent._meta.db_table
# Above this many events, PostgreSQL checks hashes on a second connection while this one follows the links.
PARALLEL_FROM = 100_000

# The canonical text of a row, built by PostgreSQL from the stored columns. ``to_json(text)`` escapes exactly
# as Python's ``json.dumps(..., ensure_ascii=False)`` does (", \\, \b \f \n \r \t, other controls as \u00XX).
PG_CANONICAL = (
    """'{"action":' || to_json(action)::text || ',"actor":' || to_json(actor)::text"""
    """ || ',"at":"' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00","case":'"""
    """ || COALESCE(case_id::text, 'null') || ',"payload":' || payload || ',"seq":' || seq::text || '}'"""
)
# ``MIN(seq + 0)``, not ``MIN(seq)``: the latter is planned as a walk down the seq index that hashes row by
# row; the former as one (parallel) scan of the table.
PG_BAD_HASH = (
    f"SELECT MIN(seq + 0) FROM {TABLE} WHERE seq > %s AND hash IS DISTINCT FROM "  # noqa: S608 (constants)
    f"encode(sha256(convert_to(prev_hash || {PG_CANONICAL}, 'UTF8')), 'hex')"
)


def canonical_time(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_row_text(
    *, seq: int, at_text: str, actor: str, action: str, case_id: int | None, payload_text: str
) -> str:
    """``canonical_json(event_fields(...))`` assembled from stored column values, the payload spliced in as
    its stored text (``PG_CANONICAL`` builds the same in SQL; a test pins the three to each other)."""
    dumps = json.dumps
    return (
        '{"action":'
        + dumps(action, ensure_ascii=False)
        + ',"actor":'
        + dumps(actor, ensure_ascii=False)
        + ',"at":"'
        + at_text
        + '","case":'
        + ("null" if case_id is None else str(case_id))
        + ',"payload":'
        + payload_text
        + ',"seq":'
        + str(seq)
        + "}"
    )


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    broken_seq: int | None = None
    problem: str = ""
    checkpoints: int = 0
    sealed_seq: int = 0
    unsealed: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS_HASH

    def describe(self) -> str:
        if not self.ok:
            return f"BROKEN at seq {self.broken_seq}: {self.problem}"
        return (
            f"OK {self.count} events; {self.checkpoints} signed checkpoints verified, the last at seq "
            f"{self.sealed_seq}; {self.unsealed} events newer than it (not yet sealed)"
        )


@dataclass
class _Findings:
    first: tuple[int, str] | None = None
    extra: list[tuple[int, str]] = field(default_factory=list)

    def add(self, seq: int, problem: str) -> None:
        if self.first is None or seq < self.first[0]:
            self.first = (seq, problem)


@dataclass(frozen=True)
class Batch:
    """Consecutive events from ``first_seq`` on, column by column (no object per row: a million events
    are checked with a few list comparisons in C and one HMAC each)."""

    first_seq: int
    prevs: list[str]
    hashes: list[str]
    macs: list[str]
    recomputed: list[str] | None = None  # hashes recomputed here (SQLite); None: checked in SQL


def _first_difference(left: list[str], right: list[str]) -> int | None:
    if left == right:
        return None
    return next(i for i, (a, b) in enumerate(zip(left, right, strict=False)) if a != b)


def verify_chain(
    *,
    chunk: int = 50_000,
    progress: Callable[[int], Any] | None = None,
    stored: StoredCheckpoints | None = None,
    keys: AuditKeys | None = None,
    after: Checkpoint | None = None,
) -> ChainReport:
    """Verify the chain (from ``after``, a checkpoint already trusted, or from the start). Read-only.

    ``stored`` defaults to every checkpoint in the configured store, verified with the configured key;
    events are read ``chunk`` at a time and ``progress(n)`` is called every ``chunk`` events. Never raises
    on damaged rows: they are the finding.
    """
    keys = keys or audit_keys()
    if stored is None:
        stored = checkpoints_load(checkpoint_store(), keys.public)
    start_seq, start_hash = (after.seq, after.hash) if after is not None else (0, GENESIS_HASH)
    findings = _Findings()
    for name, why in stored.invalid:
        seq = int(name[:-5]) if name[:-5].isdigit() else 0
        findings.add(seq, f"checkpoint {name} in the store does not verify: {why}")
    checkpoints = {c.seq: c for c in stored.valid if c.seq > start_seq}
    postgres = connection.vendor == "postgresql"
    own_snapshot = postgres and not connection.in_atomic_block
    with transaction.atomic() if own_snapshot else _nothing():
        snapshot = ""
        if own_snapshot:
            with connection.cursor() as cursor:
                # Head and rows from one snapshot: an event committed meanwhile is not "tampering".
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
        head = AuditChainHead.objects.filter(pk=1).values_list("last_seq", "last_hash").first()
        bad_hash: list[Any] = []
        worker = None
        if postgres:
            # A long chain: hashes checked in SQL on one connection, chunks read on another, links and MACs
            # followed here, all three at once and all in this transaction's snapshot.
            parallel = own_snapshot and (head[0] if head else 0) - start_seq >= PARALLEL_FROM
            if parallel:
                worker = threading.Thread(target=_pg_bad_hash_in_thread, args=(start_seq, snapshot, bad_hash))
                worker.start()
                batches = _prefetched(start_seq, snapshot, chunk)
            else:
                bad_hash.append(_pg_bad_hash(start_seq))
                batches = _pg_rows(start_seq, chunk)
        else:
            batches = _python_rows(start_seq, chunk)
        try:
            walk = _walk(batches, start_seq, start_hash, keys, checkpoints, head, findings, chunk, progress)
        finally:
            batches.close()  # stop reading when the walk stopped at a problem
            if worker is not None:
                worker.join()
    if bad_hash and isinstance(bad_hash[0], BaseException):
        raise bad_hash[0]
    if bad_hash and bad_hash[0] is not None:
        findings.add(bad_hash[0], CONTENT_CHANGED)
    count, last_seq, last_hash = walk
    sealed = max((c.seq for c in stored.valid if c.seq <= last_seq), default=0)
    broken: int | None = None
    problem = ""
    if findings.first is not None:
        broken, problem = findings.first
        count = max(0, min(count, broken - start_seq - 1))  # the events verified before the problem
    return ChainReport(
        ok=broken is None,
        count=count,
        broken_seq=broken,
        problem=problem,
        checkpoints=len(stored.valid),
        sealed_seq=sealed,
        unsealed=last_seq - sealed,
        last_seq=last_seq,
        last_hash=last_hash,
    )


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _walk(
    batches: Iterator[Batch],
    start_seq: int,
    start_hash: str,
    keys: AuditKeys,
    checkpoints: dict[int, Checkpoint],
    head: tuple[int, str] | None,
    findings: _Findings,
    chunk: int,
    progress: Callable[[int], Any] | None,
) -> tuple[int, int, str]:
    """Follow the chain; record the first problem in ``findings``. Returns (count, last seq, last hash)."""
    expected_seq, expected_prev = start_seq + 1, start_hash
    mac_key, digest = keys.mac_key, hmac.digest
    head_seq = head[0] if head is not None else 0
    head_row_hash: str | None = None
    count = 0
    for batch in batches:
        if batch.first_seq != expected_seq:
            findings.add(
                expected_seq,
                f"event seq {expected_seq} is missing (the next stored event is seq {batch.first_seq}): an "
                "event was deleted, or seqs were swapped or renumbered",
            )
            break
        hashes, first = batch.hashes, batch.first_seq
        problems: list[tuple[int, int, str]] = []  # (index, rank, message): the first by seq, then rank
        if batch.recomputed is not None and (i := _first_difference(batch.recomputed, hashes)) is not None:
            problems.append((i, 0, CONTENT_CHANGED))
        if (i := _first_difference(batch.prevs, [expected_prev, *hashes[:-1]])) is not None:
            linked = expected_prev if i == 0 else hashes[i - 1]
            problems.append(
                (
                    i,
                    1,
                    f"does not link to seq {first + i - 1}: prev_hash {batch.prevs[i][:12]}… ≠ "
                    f"{linked[:12]}… (an event before it was changed, removed or inserted)",
                )
            )
        macs = [digest(mac_key, h.encode("utf-8"), "sha256").hex() for h in hashes]
        if (i := _first_difference(macs, batch.macs)) is not None:
            problems.append(
                (
                    i,
                    2,
                    "its MAC does not match: the row was not written by the application (a forged or stray "
                    "row, or a hash recomputed after an edit)",
                )
            )
        last = first + len(hashes) - 1
        for seq in sorted(s for s in checkpoints if first <= s <= last):
            if checkpoints[seq].hash != hashes[seq - first]:
                sealed = checkpoints[seq].at
                problems.append(
                    (seq - first, 3, f"differs from the signed checkpoint of seq {seq} ({sealed})")
                )
                break
        if problems:
            i, _rank, message = min(problems)
            findings.add(first + i, message)
            count += i
            expected_seq, expected_prev = first + i, (hashes[i - 1] if i else expected_prev)
            break
        if first <= head_seq <= last:
            head_row_hash = hashes[head_seq - first]
        expected_prev, expected_seq = hashes[-1], last + 1
        before, count = count, count + len(hashes)
        if progress is not None and count // chunk > before // chunk:
            progress(count)
    last_seq = expected_seq - 1
    for cp_seq in sorted(checkpoints):
        if cp_seq > last_seq:
            findings.add(
                last_seq + 1,
                f"the signed checkpoint of seq {cp_seq} (sealed {checkpoints[cp_seq].at}) names events that "
                f"are gone: the chain ends at seq {last_seq} (its tail was cut)",
            )
            break
    if findings.first is None and head is not None and head_seq > last_seq:
        findings.add(
            last_seq + 1,
            f"the chain head says seq {head_seq} but the chain ends at seq {last_seq}: events removed",
        )
    elif findings.first is None and head is not None and head_seq > start_seq and head_row_hash != head[1]:
        findings.add(head_seq, f"the chain head's hash {head[1][:12]}… is not the hash of seq {head_seq}")
    return count, last_seq, expected_prev


CONTENT_CHANGED = (
    "content changed: the stored columns no longer hash to the stored hash "
    "(payload, action, actor, time, case, seq or hash edited)"
)


def _pg_bad_hash(start_seq: int) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(PG_BAD_HASH, [start_seq])
        row = cursor.fetchone()
    return row[0] if row else None


def _pg_bad_hash_in_thread(start_seq: int, snapshot: str, out: list[Any]) -> None:
    try:
        with transaction.atomic():
            _use_snapshot(snapshot)
            out.append(_pg_bad_hash(start_seq))
    except Exception as exc:  # handed to the caller's thread
        out.append(exc)
    finally:
        connection.close()  # this thread's own connection


def _use_snapshot(snapshot: str) -> None:
    """Make this thread's new transaction see exactly what the verifying transaction sees."""
    if not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")


def _prefetched(start_seq: int, snapshot: str, size: int) -> Generator[Batch, None, None]:
    """``_pg_rows`` read ahead on another connection in the same snapshot, so the database builds the next
    chunk while this thread walks the last one. Closing the iterator stops the reader."""
    batches: queue.Queue[Any] = queue.Queue(maxsize=3)
    stop = threading.Event()

    def read() -> None:
        try:
            with transaction.atomic():
                _use_snapshot(snapshot)
                for batch in _pg_rows(start_seq, size):
                    if stop.is_set():
                        break
                    batches.put(batch)
            batches.put(None)
        except Exception as exc:  # handed to the walking thread
            batches.put(exc)
        finally:
            connection.close()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while (item := batches.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while reader.is_alive():  # let a reader blocked on a full queue finish
            try:
                batches.get(timeout=0.05)
            except queue.Empty:
                pass
        reader.join()


# On PostgreSQL a chunk of rows arrives as one space-separated string: psycopg handles a ``COPY`` or a
# result row by row at ~30 µs each; one string per chunk costs one ``split``.
_CHUNK_ROWS = f"SELECT seq, prev_hash, hash, mac FROM {TABLE} WHERE seq > %s AND seq <= %s ORDER BY seq"  # noqa: S608
_PACKED = "string_agg(prev_hash || ' ' || hash || ' ' || COALESCE(mac, ''), ' ')"
PG_CHUNK_SQL = f"SELECT COUNT(*), MAX(seq), {_PACKED} FROM ({_CHUNK_ROWS}) chunk"  # noqa: S608


def _pg_rows(start_seq: int, size: int) -> Generator[Batch, None, None]:
    """Events in seq order, ``size`` at a time. A chunk with fewer rows than its seq range (a gap) or
    with a value that does not split cleanly (a damaged row) is read row by row instead."""
    lo = start_seq
    with connection.cursor() as cursor:
        while True:
            cursor.execute(PG_CHUNK_SQL, [lo, lo + size])
            count, high, packed = cursor.fetchone()
            if not count:
                # Past the end, unless a gap wider than a chunk hides rows further on.
                cursor.execute(f"SELECT MIN(seq) FROM {TABLE} WHERE seq > %s", [lo])  # noqa: S608
                following = cursor.fetchone()[0]
                if following is not None:
                    yield Batch(following, [""], [""], [""])  # the walk reports the seqs missing before it
                return
            parts = packed.split(" ") if packed is not None else []
            if count != high - lo or len(parts) != 3 * count:
                yield from _pg_rows_one_by_one(lo, lo + size)
            else:
                yield Batch(lo + 1, parts[0::3], parts[1::3], parts[2::3])
            lo += size


def _pg_rows_one_by_one(lo: int, hi: int) -> Generator[Batch, None, None]:
    """The rows of a damaged chunk, as batches of consecutive seqs (the walk stops at the first gap)."""
    with connection.cursor() as cursor:
        cursor.execute(_CHUNK_ROWS, [lo, hi])
        rows = cursor.fetchall()
    run: list[tuple[int, str, str, str]] = []
    for seq, prev, hash_, mac in rows:
        if run and seq != run[-1][0] + 1:
            yield _batch_of(run)
            run = []
        run.append((seq, str(prev), str(hash_), str(mac or "")))
    if run:
        yield _batch_of(run)


def _batch_of(run: list[tuple[int, str, str, str]]) -> Batch:
    return Batch(run[0][0], [r[1] for r in run], [r[2] for r in run], [r[3] for r in run])


def _python_rows(start_seq: int, chunk: int = 2000) -> Generator[Batch, None, None]:
    """Events as batches of consecutive seqs (SQLite), each hash recomputed here over the stored text."""
    sql = (
        "SELECT seq, prev_hash, hash, mac, at, actor, action, case_id, payload "  # noqa: S608 (constants)
        f"FROM {TABLE} WHERE seq > %s ORDER BY seq"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [start_seq])
        while rows := cursor.fetchmany(chunk):
            run: list[tuple[int, str, str, str, str]] = []
            for row in rows:
                if run and row[0] != run[-1][0] + 1:
                    yield _python_batch(run)
                    run = []
                run.append(_recomputed(*row))
            yield _python_batch(run)


def _python_batch(run: list[tuple[int, str, str, str, str]]) -> Batch:
    return Batch(
        run[0][0], [r[1] for r in run], [r[2] for r in run], [r[3] for r in run], [r[4] for r in run]
    )


def _recomputed(
    seq: int,
    prev: str,
    hash_: str,
    mac: str,
    at: Any,
    actor: str,
    action: str,
    case_id: int | None,
    payload: Any,
) -> tuple[int, str, str, str, str]:
    moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
    text = canonical_row_text(
        seq=seq,
        at_text=canonical_time(moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment),
        actor=actor,
        action=action,
        case_id=case_id,
        payload_text=payload if payload is not None else "\x00",
    )
    recomputed = hashlib.sha256((str(prev) + text).encode("utf-8")).hexdigest()
    return seq, str(prev), str(hash_), str(mac or ""), recomputed
