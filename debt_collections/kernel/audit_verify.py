"""Verification of the audit chain: every event, every link, every MAC, every signed checkpoint.

What is checked, on every chain (``kernel.audit``: events carry their chain, seqs run per chain), in seq
order from the genesis hash (or from a given verified point):

* seqs run without a gap (a deleted, swapped or renumbered event leaves one);
* each event's hash is ``sha256(prev_hash + canonical text of its stored columns)``; the payload column
  *is* canonical text, so nothing is re-serialised (on PostgreSQL ``sha256()`` runs in the database);
* each ``prev_hash`` is the hash before it;
* each MAC is ``HMAC(key, hash)`` with the key the database never holds: a forged append or a recomputed
  chain has hashes that verify, never MACs that do, so the first such row is named even after the last
  checkpoint;
* each signed checkpoint in the store names, for every chain, a hash the chain still has at that seq: a cut
  tail on any chain (with its head moved back to match) loses the seq a checkpoint names;
* each chain's head row names its last event;
* a row moved to another chain no longer hashes to its stored hash (the chain is a hashed field).

The report names the first seq that differs, and how many events are newer than the last checkpoint (not
yet sealed: the window in which a cut tail would only be found at the next checkpoint).

Speed (issue 13): rows are streamed as plain tuples, never model instances. On PostgreSQL the rows come
through one ``COPY`` and the hashes are checked by one SQL statement, on another connection at the same time
when the chain is long: each row's hash depends only on its own columns, so only the link check needs order.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from debt_collections.kernel.audit_keys import AuditKeys, audit_keys
from debt_collections.kernel.audit_rows import (
    CHAINS_SQL,
    PG_BAD_HASH,
    PG_CANONICAL,
    Batch,
    canonical_row_text,
    canonical_time,
    pg_all_rows,
    pg_bad_hash,
    pg_bad_hash_in_thread,
    pg_rows,
    prefetched,
    python_rows,
    read_ahead,
)
from debt_collections.kernel.checkpoints import (
    Checkpoint,
    StoredCheckpoints,
    checkpoint_store,
    checkpoints_load,
)
from debt_collections.models import GENESIS_HASH, AuditChainHead

__all__ = [
    "CHAINS_SQL",
    "PG_BAD_HASH",
    "PG_CANONICAL",
    "Batch",
    "ChainReport",
    "canonical_row_text",
    "canonical_time",
    "verify_chain",
]

# Above this many events, PostgreSQL checks hashes on a second connection while this one follows the links.
PARALLEL_FROM = 100_000


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    broken_seq: int | None = None
    problem: str = ""
    checkpoints: int = 0
    sealed_seq: int = 0  # the last checkpoint's count of events (all chains)
    unsealed: int = 0
    last_seq: int = 0  # events in all chains
    last_hash: str = GENESIS_HASH
    broken_chain: int | None = None
    chains: int = 0

    def describe(self) -> str:
        if not self.ok:
            return f"BROKEN at seq {self.broken_seq}: {self.problem}"
        return (
            f"OK {self.count} events; {self.checkpoints} signed checkpoints verified, the last at seq "
            f"{self.sealed_seq}; {self.unsealed} events newer than it (not yet sealed); {self.chains} chains"
        )


@dataclass
class _Findings:
    first: tuple[int, str] | None = None
    extra: list[tuple[int, str]] = field(default_factory=list)

    def add(self, seq: int, problem: str) -> None:
        if self.first is None or seq < self.first[0]:
            self.first = (seq, problem)


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
    """Verify every chain (from ``after``, a checkpoint already trusted, or from the start). Read-only.

    ``stored`` defaults to every checkpoint in the configured store, verified with the configured key;
    events are read ``chunk`` at a time and ``progress(n)`` is called every ``chunk`` events. Never raises
    on damaged rows: they are the finding (the first by chain, then seq, is reported).
    """
    keys = keys or audit_keys()
    if stored is None:
        stored = checkpoints_load(checkpoint_store(), keys.public)
    starts = dict(after.heads) if after is not None else {}
    findings: dict[int, _Findings] = {}
    postgres = connection.vendor == "postgresql"
    own_snapshot = postgres and not connection.in_atomic_block
    with transaction.atomic() if own_snapshot else _nothing():
        snapshot = ""
        if own_snapshot:
            with connection.cursor() as cursor:
                # Heads and rows from one snapshot: an event committed meanwhile is not "tampering".
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
        heads = {c: (s, h) for c, s, h in AuditChainHead.objects.values_list("id", "last_seq", "last_hash")}
        with connection.cursor() as cursor:
            cursor.execute(CHAINS_SQL)
            stored_chains = {int(r[0]) for r in cursor.fetchall()}
        signed_chains = {c for cp in stored.valid for c in cp.heads}
        chains = sorted(stored_chains | set(heads) | signed_chains)
        bad_hash: list[Any] = []
        worker = None
        pending = sum(heads.get(c, (0, ""))[0] - starts.get(c, (0, ""))[0] for c in chains)
        parallel = postgres and own_snapshot and pending >= PARALLEL_FROM
        if postgres:
            # A long chain: hashes checked in SQL on one connection, chunks read on another, links and MACs
            # followed here, all three at once and all in this transaction's snapshot.
            if parallel:
                worker = threading.Thread(
                    target=pg_bad_hash_in_thread, args=(starts, chains, snapshot, bad_hash)
                )
                worker.start()
            else:
                bad_hash.append(pg_bad_hash(starts, chains))
        walked: dict[int, tuple[int, int, str]] = {}
        done = 0

        def signed_on(chain: int, start_seq: int) -> dict[int, tuple[str, str]]:
            return {
                seq: (digest, cp.at)
                for cp in stored.valid
                if chain in cp.heads
                for seq, digest in [cp.heads[chain]]
                if seq > start_seq
            }

        exact = chains
        try:
            if parallel and not starts:
                # The whole table in one pass in insertion order, every chain's walk fed as its rows come;
                # a chain whose rows arrive out of its order (damaged) is walked again exactly below.
                exact, done = _interleaved(
                    chains, heads, keys, signed_on, findings, snapshot, chunk, progress, walked
                )
            for chain in exact:
                start_seq, start_hash = starts.get(chain, (0, GENESIS_HASH))
                if parallel:
                    batches = prefetched(chain, start_seq, snapshot, chunk)
                elif postgres:
                    batches = pg_rows(chain, start_seq, chunk)
                else:
                    batches = python_rows(chain, start_seq, chunk)
                found = findings[chain] = _Findings()
                report = None if progress is None else (lambda n, base=done: progress(base + n))
                try:
                    walked[chain] = _walk(
                        batches,
                        start_seq,
                        start_hash,
                        keys,
                        signed_on(chain, start_seq),
                        heads.get(chain),
                        found,
                        chunk,
                        report,
                    )
                finally:
                    batches.close()  # stop reading when the walk stopped at a problem
                done += walked[chain][0]
        finally:
            if worker is not None:
                worker.join()
    if bad_hash and isinstance(bad_hash[0], BaseException):
        raise bad_hash[0]
    for name, why in stored.invalid:  # a document in the store that does not verify is a finding too
        seq = int(name[:-5]) if name[:-5].isdigit() else 0
        findings.setdefault(0, _Findings()).add(seq, f"checkpoint {name} in the store does not verify: {why}")
    for chain, seq in bad_hash[0] if bad_hash else []:
        findings.setdefault(chain, _Findings()).add(seq, CONTENT_CHANGED)
    count = total = 0
    broken: tuple[int, int, str] | None = None
    for chain in sorted(set(chains) | set(findings)):
        verified, last_seq, _last_hash = walked.get(chain, (0, 0, GENESIS_HASH))
        total += last_seq
        first = findings.get(chain, _Findings()).first
        if first is not None:
            start_seq = starts.get(chain, (0, ""))[0]
            verified = max(0, min(verified, first[0] - start_seq - 1))  # those verified before the problem
            if broken is None:
                # The chain named in the text too: a seq alone is ambiguous once there are several chains.
                broken = (chain, first[0], f"(chain {chain}) {first[1]}" if chain else first[1])
        count += verified
    sealed = max((c.seq for c in stored.valid if c.seq <= total), default=0)
    return ChainReport(
        ok=broken is None,
        count=count,
        broken_seq=broken[1] if broken else None,
        broken_chain=broken[0] if broken else None,
        problem=broken[2] if broken else "",
        checkpoints=len(stored.valid),
        sealed_seq=sealed,
        unsealed=max(0, total - sealed),
        last_seq=total,
        last_hash=walked.get(0, (0, 0, GENESIS_HASH))[2],
        chains=len(chains),
    )


def _interleaved(
    chains: list[int],
    heads: dict[int, tuple[int, str]],
    keys: AuditKeys,
    signed_on: Callable[[int, int], dict[int, tuple[str, str]]],
    findings: dict[int, _Findings],
    snapshot: str,
    chunk: int,
    progress: Callable[[int], Any] | None,
    walked: dict[int, tuple[int, int, str]],
) -> tuple[list[int], int]:
    """Walk every chain from its start in one pass over the table (``audit_rows.pg_all_rows``), filling
    ``walked``. Returns the chains to walk again exactly (their rows did not arrive in their order) and the
    events walked."""
    walkers: dict[int, Generator[bool, Batch | None, tuple[int, int, str]]] = {}
    following: dict[int, int] = {}
    redo: set[int] = set()
    done = 0

    def start(chain: int) -> None:
        found = findings.setdefault(chain, _Findings())
        walker = _walker(0, GENESIS_HASH, keys, signed_on(chain, 0), heads.get(chain), found, chunk, None)
        next(walker)
        walkers[chain], following[chain] = walker, 1

    rows = read_ahead(lambda: pg_all_rows(chunk), snapshot)
    try:
        for runs in rows:
            for run in runs:
                chain = run.chain
                if chain in redo:
                    continue
                if chain not in walkers:
                    start(chain)
                seqs = run.seqs
                first = seqs[0] if seqs else -1
                if run.damaged or first != following[chain] or seqs != list(range(first, first + len(seqs))):
                    redo.add(chain)
                    continue
                following[chain] = seqs[-1] + 1
                walkers[chain].send(Batch(first, list(run.prevs), list(run.hashes), list(run.macs)))
                before, done = done, done + len(seqs)
                if progress is not None and done // chunk > before // chunk:
                    progress(done)
    finally:
        rows.close()
    for chain in chains:
        if chain in redo:
            continue
        if chain not in walkers:
            start(chain)
        walked[chain] = _finish(walkers[chain])
    return sorted(redo), sum(walked[c][0] for c in walked)


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
    checkpoints: dict[int, tuple[str, str]],
    head: tuple[int, str] | None,
    findings: _Findings,
    chunk: int,
    progress: Callable[[int], Any] | None,
) -> tuple[int, int, str]:
    """Follow the chain; record the first problem in ``findings``. Returns (count, last seq, last hash)."""
    walker = _walker(start_seq, start_hash, keys, checkpoints, head, findings, chunk, progress)
    next(walker)
    for batch in batches:
        if not walker.send(batch):
            break
    return _finish(walker)


def _finish(walker: Generator[bool, Batch | None, tuple[int, int, str]]) -> tuple[int, int, str]:
    try:
        walker.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("the walker did not finish")


def _walker(
    start_seq: int,
    start_hash: str,
    keys: AuditKeys,
    checkpoints: dict[int, tuple[str, str]],
    head: tuple[int, str] | None,
    findings: _Findings,
    chunk: int,
    progress: Callable[[int], Any] | None,
) -> Generator[bool, Batch | None, tuple[int, int, str]]:
    """The walk of one chain, fed batch by batch (``send``; ``None`` ends it): yields whether it wants more
    (``False`` once it found a problem), returns (count, last seq, last hash). Pushed, so one pass over the
    table can feed every chain's walk at once."""
    expected_seq, expected_prev = start_seq + 1, start_hash
    mac_key, digest = keys.mac_key, hmac.digest
    head_seq = head[0] if head is not None else 0
    head_row_hash: str | None = None
    count = 0
    while (batch := (yield True)) is not None:
        if batch.first_seq != expected_seq:
            findings.add(
                expected_seq,
                f"event seq {expected_seq} is missing (the next stored event is seq {batch.first_seq}): an "
                "event was deleted, or seqs were swapped or renumbered",
            )
            break
        hashes, first = list(batch.hashes), batch.first_seq
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
            if checkpoints[seq][0] != hashes[seq - first]:
                sealed = checkpoints[seq][1]
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
    else:
        batch = None  # ended by the caller
    if batch is not None:  # stopped at a problem: take no more until the caller ends the walk
        while (yield False) is not None:
            pass
    last_seq = expected_seq - 1
    for cp_seq in sorted(checkpoints):
        if cp_seq > last_seq:
            findings.add(
                last_seq + 1,
                f"the signed checkpoint of seq {cp_seq} (sealed {checkpoints[cp_seq][1]}) names events that "
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
