"""Reading the audit chains' rows for verification (``audit_verify``), fast (issue 13).

Rows are streamed as plain strings, never model instances. On PostgreSQL a chunk of one chain arrives as one
string (``string_agg``) and every row's hash is checked by one SQL statement (``sha256()`` over the canonical
text built from the stored columns), on other connections in the verifying transaction's snapshot: each
row's hash depends only on its own columns, so only the link check needs order. On SQLite each hash is
recomputed here over the stored text.
"""

from __future__ import annotations

import hashlib
import json
import queue
import re
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, TypeVar

from django.db import connection, transaction

from debt_collections.models import AuditEvent

T = TypeVar("T")

TABLE = AuditEvent._meta.db_table
# Above this many events, PostgreSQL checks hashes on a second connection while this one follows the links.
PARALLEL_FROM = 100_000

# The canonical text of a row, built by PostgreSQL from the stored columns. ``to_json(text)`` escapes exactly
# as Python's ``json.dumps(..., ensure_ascii=False)`` does (", \\, \b \f \n \r \t, other controls as \u00XX).
PG_CANONICAL = (
    """'{"action":' || to_json(action)::text || ',"actor":' || to_json(actor)::text"""
    """ || ',"at":"' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00","case":'"""
    """ || COALESCE(case_id::text, 'null')"""
    """ || CASE WHEN chain = 0 THEN '' ELSE ',"chain":' || chain::text END"""
    """ || ',"payload":' || payload || ',"seq":' || seq::text || '}'"""
)
# ``MIN(seq + 0)``, not ``MIN(seq)``: the latter is planned as a walk down the seq index that hashes row by
# row; the former as one (parallel) scan of the table.
# Per chain, the first seq (after the chain's start, 0 unless given) whose hash is not its text's.
_PG_HASH_WRONG = (
    f"hash IS DISTINCT FROM encode(sha256(convert_to(prev_hash || {PG_CANONICAL}, 'UTF8')), 'hex')"
)
# From genesis: one pass over the table (a scan is the cheapest way to read every row).
PG_BAD_HASH = (
    f"SELECT chain, MIN(seq + 0) FROM {TABLE} LEFT JOIN unnest(%s::int[], %s::bigint[]) AS s(c, start) "  # noqa: S608
    f"ON s.c = chain WHERE seq > COALESCE(s.start, 0) AND {_PG_HASH_WRONG} GROUP BY chain"
)
# From a checkpoint: each chain's rows past its start by the (chain, seq) index, so a seal costs the events
# since the last one, not a scan of the whole table (78 ms a seal at 1,000,000 events).
PG_BAD_HASH_SINCE = (
    f"SELECT s.c, m.bad FROM unnest(%s::int[], %s::bigint[]) AS s(c, start) CROSS JOIN LATERAL "  # noqa: S608
    f"(SELECT MIN(seq) AS bad FROM {TABLE} WHERE chain = s.c AND seq > s.start AND {_PG_HASH_WRONG}) m "
    "WHERE m.bad IS NOT NULL"
)
# Every chain that has a row, by a skip scan of the (chain, seq) index (no scan of the table).
CHAINS_SQL = (
    f"WITH RECURSIVE c(chain) AS (SELECT MIN(chain) FROM {TABLE} UNION ALL "  # noqa: S608 (constants)
    f"SELECT (SELECT MIN(chain) FROM {TABLE} WHERE chain > c.chain) FROM c WHERE c.chain IS NOT NULL) "
    "SELECT chain FROM c WHERE chain IS NOT NULL"
)


def canonical_time(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_row_text(
    *,
    seq: int,
    at_text: str,
    actor: str,
    action: str,
    case_id: int | None,
    payload_text: str,
    chain: int = 0,
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
        + ("" if not chain else ',"chain":' + str(chain))
        + ',"payload":'
        + payload_text
        + ',"seq":'
        + str(seq)
        + "}"
    )


@dataclass(frozen=True)
class Batch:
    """Consecutive events from ``first_seq`` on, column by column (no object per row: a million events
    are checked with a few list comparisons in C and one HMAC each)."""

    first_seq: int
    prevs: list[str]
    hashes: list[str]
    macs: list[str]
    recomputed: list[str] | None = None  # hashes recomputed here (SQLite); None: checked in SQL


def pg_bad_hash(starts: dict[int, tuple[int, str]], chains: list[int]) -> list[tuple[int, int]]:
    """``(chain, first seq whose hash is wrong)`` for each chain that has one: of ``chains`` (every chain
    with a row, a head or a checkpoint), each from its seq in ``starts`` (0 when absent)."""
    sql = PG_BAD_HASH_SINCE if starts else PG_BAD_HASH
    if not starts:
        chains = []  # the scan's LEFT JOIN starts every chain at 0
    with connection.cursor() as cursor:
        cursor.execute(sql, [chains, [starts.get(c, (0, ""))[0] for c in chains]])
        return [(int(c), int(s)) for c, s in cursor.fetchall()]


def pg_bad_hash_in_thread(
    starts: dict[int, tuple[int, str]], chains: list[int], snapshot: str, out: list[Any]
) -> None:
    try:
        with transaction.atomic():
            _use_snapshot(snapshot)
            out.append(pg_bad_hash(starts, chains))
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


def prefetched(chain: int, start_seq: int, snapshot: str, size: int) -> Generator[Batch, None, None]:
    """``pg_rows`` of one chain read ahead (``read_ahead``)."""
    return read_ahead(lambda: pg_rows(chain, start_seq, size), snapshot)


def read_ahead(rows: Callable[[], Iterator[T]], snapshot: str) -> Generator[T, None, None]:
    """``rows()`` read ahead on another connection in the same snapshot, so the database builds the next
    chunk while this thread walks the last one. Closing the iterator stops the reader."""
    batches: queue.Queue[Any] = queue.Queue(maxsize=3)
    stop = threading.Event()

    def read() -> None:
        try:
            with transaction.atomic():
                _use_snapshot(snapshot)
                for batch in rows():
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
_CHUNK_ROWS = (
    f"SELECT seq, prev_hash, hash, mac FROM {TABLE} WHERE chain = %s AND seq > %s AND seq <= %s "  # noqa: S608
    "ORDER BY seq"
)
_PACKED = "string_agg(prev_hash || ' ' || hash || ' ' || COALESCE(mac, ''), ' ')"
PG_CHUNK_SQL = f"SELECT COUNT(*), MAX(seq), {_PACKED} FROM ({_CHUNK_ROWS}) chunk"  # noqa: S608


def pg_rows(chain: int, start_seq: int, size: int) -> Generator[Batch, None, None]:
    """Events in seq order, ``size`` at a time. A chunk with fewer rows than its seq range (a gap) or
    with a value that does not split cleanly (a damaged row) is read row by row instead."""
    lo = start_seq
    with connection.cursor() as cursor:
        while True:
            cursor.execute(PG_CHUNK_SQL, [chain, lo, lo + size])
            count, high, packed = cursor.fetchone()
            if not count:
                # Past the end, unless a gap wider than a chunk hides rows further on.
                cursor.execute(f"SELECT MIN(seq) FROM {TABLE} WHERE chain = %s AND seq > %s", [chain, lo])  # noqa: S608
                following = cursor.fetchone()[0]
                if following is not None:
                    yield Batch(following, [""], [""], [""])  # the walk reports the seqs missing before it
                return
            parts = packed.split(" ") if packed is not None else []
            if count != high - lo or len(parts) != 3 * count:
                yield from pg_rows_one_by_one(chain, lo, lo + size)
            else:
                yield Batch(lo + 1, parts[0::3], parts[1::3], parts[2::3])
            lo += size


def pg_rows_one_by_one(chain: int, lo: int, hi: int) -> Generator[Batch, None, None]:
    """The rows of a damaged chunk, as batches of consecutive seqs (the walk stops at the first gap)."""
    with connection.cursor() as cursor:
        cursor.execute(_CHUNK_ROWS, [chain, lo, hi])
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


def python_rows(chain: int, start_seq: int, chunk: int = 2000) -> Generator[Batch, None, None]:
    """Events as batches of consecutive seqs (SQLite), each hash recomputed here over the stored text."""
    sql = (
        "SELECT seq, prev_hash, hash, mac, at, actor, action, case_id, payload, chain "  # noqa: S608
        f"FROM {TABLE} WHERE chain = %s AND seq > %s ORDER BY seq"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [chain, start_seq])
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
    chain: int,
) -> tuple[int, str, str, str, str]:
    moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
    text = canonical_row_text(
        seq=seq,
        at_text=canonical_time(moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment),
        actor=actor,
        action=action,
        case_id=case_id,
        payload_text=payload if payload is not None else "\x00",
        chain=chain,
    )
    recomputed = hashlib.sha256((str(prev) + text).encode("utf-8")).hexdigest()
    return seq, str(prev), str(hash_), str(mac or ""), recomputed


# Every chain at once, in the table's insertion order (``id``): rows of one chain lie spread over the whole
# table, so reading chain after chain by the (chain, seq) index would visit every page once per chain. One
# pass in id order reads each page once; within a chain, ids follow seqs (an append inserts under the
# chain's head lock), so each chain's rows arrive in its order, and a chain whose rows do not is re-read by
# ``pg_rows`` (a damaged chain: the exact walk names its first problem).
_ALL_ROWS = f"SELECT id, chain, seq, prev_hash, hash, mac FROM {TABLE} WHERE id > %s AND id <= %s ORDER BY id"  # noqa: S608
# No ORDER BY inside the aggregate: it would sort again (on disk) what the subquery already returns in id
# order, as the single-chain reader relies on too; a row out of place only sends its chain to the exact walk.
_ALL_PACKED = (
    "string_agg(chain || ' ' || seq || ' ' || prev_hash || ' ' || hash || ' ' || COALESCE(mac, ''), ' ')"
)
PG_ALL_CHUNK_SQL = f"SELECT COUNT(*), MAX(id), {_ALL_PACKED} FROM ({_ALL_ROWS}) chunk"  # noqa: S608


@dataclass(frozen=True)
class ChainRun:
    """Consecutive rows of one chain, in id order, as read from an interleaved chunk."""

    chain: int
    seqs: list[int]
    prevs: tuple[str, ...]
    hashes: tuple[str, ...]
    macs: tuple[str, ...]
    damaged: bool = False  # a value that did not split cleanly: re-read this chain exactly


def pg_all_rows(size: int) -> Generator[list[ChainRun], None, None]:
    """Every row of every chain, ``size`` ids at a time, each chunk split into one run per chain."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {TABLE}")  # noqa: S608
        low, high = cursor.fetchone()
        if low is None:
            return
        lo = low - 1
        while lo < high:
            cursor.execute(PG_ALL_CHUNK_SQL, [lo, lo + size])
            count, _last, packed = cursor.fetchone()
            lo += size
            if not count:
                continue
            parts = packed.split(" ")
            if len(parts) != 5 * count:
                # A damaged value (a space, a NULL): every chain in this chunk is re-read exactly.
                chains = {int(c) for c in parts[0::5] if c.isdigit()}
                yield [ChainRun(c, [], (), (), (), damaged=True) for c in chains] or [
                    ChainRun(0, [], (), (), (), damaged=True)
                ]
                continue
            by_chain: dict[str, list[int]] = {}
            for i, chain in enumerate(parts[0::5]):
                by_chain.setdefault(chain, []).append(i)
            seqs, prevs, hashes, macs = parts[1::5], parts[2::5], parts[3::5], parts[4::5]
            runs = []
            for chain, index in by_chain.items():
                pick = itemgetter(*index)
                if len(index) == 1:
                    i = index[0]
                    runs.append(ChainRun(int(chain), [int(seqs[i])], (prevs[i],), (hashes[i],), (macs[i],)))
                    continue
                runs.append(
                    ChainRun(int(chain), list(map(int, pick(seqs))), pick(prevs), pick(hashes), pick(macs))
                )
            yield runs
