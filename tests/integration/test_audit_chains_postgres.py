"""Several audit chains on real PostgreSQL row locks (issue 13 goal 5): writers on two chains at once never
fork a chain nor leave a gap, and the one-pass verifier (every chain's rows read together in insertion
order, on other connections in one snapshot) finds what the exact per-chain walk finds.

Each worker thread has its own connection (Django's connections are per thread) and so its own
transaction; a ``threading.Barrier`` releases them together so they really contend for the head rows.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.db import connection, transaction
from django.utils import timezone

from debt_collections.kernel import audit_verify
from debt_collections.kernel.audit import Actor, PendingEvent, audit_append, audit_append_many, chain_for
from debt_collections.kernel.audit_verify import verify_chain
from debt_collections.models import AuditChainHead, AuditEvent, CollectionCase
from tests.audit_support import owner_privileges

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

JOIN_TIMEOUT = 60.0
TABLE = AuditEvent._meta.db_table
ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def chain_zero_head() -> Iterator[None]:
    AuditChainHead.objects.get_or_create(pk=0)
    yield


def _two_chains() -> tuple[int, int]:
    """Two case ids on different chains (audit appends need only the id: no foreign key constraint)."""
    first = 1
    second = next(c for c in range(2, 100) if chain_for(c) != chain_for(first))
    return first, second


def _writer(
    case_ids: list[int], rounds: int, barrier: threading.Barrier, errors: list[BaseException]
) -> None:
    try:
        barrier.wait()
        for i in range(rounds):
            with transaction.atomic():
                if i % 5 == 4:
                    # a batch over both chains (the cycle's path: heads locked in ascending order)
                    audit_append_many(
                        [PendingEvent("test.batch", c, {"i": i}, ACTOR) for c in case_ids], at=timezone.now()
                    )
                else:
                    case = CollectionCase(pk=case_ids[i % len(case_ids)])
                    now = timezone.now()
                    audit_append(actor=ACTOR, action="test.one", at=now, case=case, payload={"i": i})
    except BaseException as exc:  # handed back to the test thread
        errors.append(exc)
    finally:
        connection.close()


def test_writers_on_two_chains_at_once_never_fork_nor_leave_a_gap() -> None:
    # given two cases on two chains, and six writers: two on each chain alone, two on both
    a, b = _two_chains()
    plans = [[a], [a], [b], [b], [a, b], [b, a]]
    rounds = 25
    barrier = threading.Barrier(len(plans), timeout=JOIN_TIMEOUT)
    errors: list[BaseException] = []

    # when they all append at once
    threads = [threading.Thread(target=_writer, args=(p, rounds, barrier, errors)) for p in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a writer is stuck"
    assert errors == []

    # then each chain is one line: seqs 1..n, each event links to the one before, no prev_hash shared,
    # the head names the last event, and every hash, link and MAC verifies
    expected = {chain_for(a): 0, chain_for(b): 0}
    for plan in plans:
        for i in range(rounds):
            for case in plan if i % 5 == 4 else [plan[i % len(plan)]]:
                expected[chain_for(case)] += 1
    for chain, count in expected.items():
        on_chain = AuditEvent.objects.filter(chain=chain).order_by("seq")
        rows = list(on_chain.values_list("seq", "prev_hash", "hash"))
        assert [r[0] for r in rows] == list(range(1, count + 1))
        assert all(rows[i][1] == rows[i - 1][2] for i in range(1, len(rows)))
        assert len({r[1] for r in rows}) == len(rows)
        head = AuditChainHead.objects.get(pk=chain)
        assert (head.last_seq, head.last_hash) == (rows[-1][0], rows[-1][2])
    report = verify_chain()
    assert report.ok and report.count == sum(expected.values()), report.describe()


def _build(per_chain: int) -> list[int]:
    """``per_chain`` events on each of three chains, interleaved as concurrent writers leave them."""
    a, b = _two_chains()
    for i in range(per_chain):
        with transaction.atomic():
            audit_append_many(
                [PendingEvent("test.step", c, {"i": i}, ACTOR) for c in (a, b, None)], at=timezone.now()
            )
    return [chain_for(a), chain_for(b), 0]


@pytest.mark.parametrize("rewrite", ["untouched", "seqs-swapped", "middle-deleted", "moved-chain"])
def test_the_one_pass_verifier_finds_what_the_exact_walk_finds(
    rewrite: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given three chains whose rows interleave in the table
    chains = _build(30)
    victim = chains[1]
    from debt_collections.kernel.db_triggers import drop_audit_triggers

    with owner_privileges(), connection.cursor() as cursor:
        drop_audit_triggers(connection)
        if rewrite == "seqs-swapped":
            cursor.execute(f"UPDATE {TABLE} SET seq = -1 WHERE chain = %s AND seq = 12", [victim])  # noqa: S608
            cursor.execute(f"UPDATE {TABLE} SET seq = 12 WHERE chain = %s AND seq = 13", [victim])  # noqa: S608
            cursor.execute(f"UPDATE {TABLE} SET seq = 13 WHERE chain = %s AND seq = -1", [victim])  # noqa: S608
        elif rewrite == "middle-deleted":
            cursor.execute(f"DELETE FROM {TABLE} WHERE chain = %s AND seq = 12", [victim])  # noqa: S608
        elif rewrite == "moved-chain":
            cursor.execute(f"DELETE FROM {TABLE} WHERE chain = %s AND seq = 12", [chains[0]])  # noqa: S608
            cursor.execute(
                f"UPDATE {TABLE} SET chain = %s WHERE chain = %s AND seq = 12",  # noqa: S608
                [chains[0], victim],
            )

    # when verified by the exact per-chain walk, and by the one-pass reader (forced on a short chain)
    exact = verify_chain()
    monkeypatch.setattr(audit_verify, "PARALLEL_FROM", 1)
    one_pass = verify_chain()

    # then both say the same: OK, or the same first seq that differs on the same chain
    assert (one_pass.ok, one_pass.broken_chain, one_pass.broken_seq, one_pass.count) == (
        exact.ok,
        exact.broken_chain,
        exact.broken_seq,
        exact.count,
    ), (exact.describe(), one_pass.describe())
    assert exact.ok == (rewrite == "untouched"), exact.describe()
