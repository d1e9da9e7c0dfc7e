"""Several audit chains (issue 13 goal 5): a case's events on one chain, every chain sealed by one signed
checkpoint, and the rewrites only several chains allow (a tail cut on one chain, a row moved to another)
caught, on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from debt_collections.kernel.audit import Actor, PendingEvent, audit_append, audit_append_many, chain_for
from debt_collections.kernel.audit_keys import audit_keys
from debt_collections.kernel.audit_verify import verify_chain
from debt_collections.kernel.checkpoints import FORMAT_V1, Checkpoint, checkpoint_store
from debt_collections.kernel.sealing import checkpoint_seal
from debt_collections.models import AuditChainHead, AuditEvent, CaseState, CollectionCase
from tests.audit_support import owner_privileges
from tests.factories import SYSTEM, make_case

pytestmark = pytest.mark.django_db
TABLE = AuditEvent._meta.db_table
ACTOR = Actor.system("test")


def _cases_on_two_chains() -> tuple[CollectionCase, CollectionCase]:
    first = make_case(CaseState.EARLY)
    second = make_case(CaseState.EARLY)
    while chain_for(second.pk) == chain_for(first.pk):
        second = make_case(CaseState.EARLY)
    return first, second


def _append_on(case: CollectionCase | None, count: int) -> None:
    with transaction.atomic():
        case_id = case.pk if case else None
        events = [PendingEvent(f"test.step_{i}", case_id, {"i": i}, ACTOR) for i in range(count)]
        audit_append_many(events, at=timezone.now())


def _sealed_two_chains() -> tuple[CollectionCase, CollectionCase]:
    a, b = _cases_on_two_chains()
    _append_on(a, 20)
    _append_on(b, 20)
    _append_on(None, 5)
    seal = checkpoint_seal(reason="manual")
    assert seal is not None and seal.ok, seal and seal.error
    return a, b


def _as_insider(sql: str, params: list[int]) -> None:
    from debt_collections.kernel.db_triggers import drop_audit_triggers

    with owner_privileges():
        drop_audit_triggers(connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _verify_audit() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), err.getvalue()
    return 0, out.getvalue()


def test_a_cases_events_are_all_on_its_chain_and_events_without_a_case_on_chain_zero() -> None:
    a, b = _cases_on_two_chains()
    with transaction.atomic():
        audit_append(actor=SYSTEM, action="test.a", at=timezone.now(), case=a)
        audit_append(actor=SYSTEM, action="test.none", at=timezone.now())
    _append_on(b, 3)

    for case in (a, b):
        chains = set(AuditEvent.objects.filter(case=case).values_list("chain", flat=True))
        assert chains == {chain_for(case.pk)} and 0 not in chains
    assert AuditEvent.objects.get(action="test.none").chain == 0
    # and every chain has its own head, seq and links, and all of them verify
    assert verify_chain().ok
    assert set(AuditChainHead.objects.values_list("pk", flat=True)) >= {0, chain_for(a.pk), chain_for(b.pk)}


@override_settings(AUDIT_CHAINS=1)
def test_with_one_chain_configured_every_event_is_on_chain_zero() -> None:
    a = make_case(CaseState.ACTIVE)
    _append_on(a, 3)

    assert set(AuditEvent.objects.values_list("chain", flat=True)) == {0}
    assert verify_chain().ok


def test_one_checkpoint_signs_every_chains_head() -> None:
    a, b = _sealed_two_chains()

    [name] = checkpoint_store().names()
    checkpoint = verify_chain().checkpoints, name
    heads = dict(AuditChainHead.objects.values_list("pk", "last_seq"))
    stored = checkpoint_store().get(name).decode()
    assert checkpoint[0] == 1
    for chain in (0, chain_for(a.pk), chain_for(b.pk)):
        assert f'"{chain}": [\n' in stored or f'"{chain}":[' in stored
    assert name == f"{sum(heads.values()):020d}.json"


def test_a_tail_cut_on_one_chain_with_its_head_moved_back_is_caught_by_the_checkpoint() -> None:
    # given two case chains sealed by one checkpoint
    a, _b = _sealed_two_chains()
    chain = chain_for(a.pk)

    # when an insider cuts the last 5 events of one chain and moves that chain's head back to match
    _as_insider(f"DELETE FROM {TABLE} WHERE chain = %s AND seq > 15", [chain])  # noqa: S608
    last = AuditEvent.objects.get(chain=chain, seq=15)
    AuditChainHead.objects.filter(pk=chain).update(last_seq=15, last_hash=last.hash)

    # then the checkpoint, which names seq 20 of that chain, finds the cut
    report = verify_chain()
    assert not report.ok
    assert (report.broken_chain, report.broken_seq) == (chain, 16)
    assert "tail was cut" in report.problem and f"(chain {chain})" in report.problem
    status, err = _verify_audit()
    assert status == 1 and "BROKEN at seq 16:" in err
    # and the next seal refuses to bless the cut chain
    seal = checkpoint_seal(reason="timer")
    assert seal is not None and not seal.ok


@pytest.mark.parametrize("where", ["end", "middle"])
def test_a_row_moved_to_another_chain_is_caught(where: str) -> None:
    # given two case chains sealed by one checkpoint
    a, b = _sealed_two_chains()
    source, target = chain_for(a.pk), chain_for(b.pk)

    # when an insider moves one of a's events onto b's chain (at its end, head moved; or swapped into its
    # middle, renumbered to take the place of one of b's events)
    if where == "end":
        last_a = AuditChainHead.objects.get(pk=source).last_seq
        after_b = AuditChainHead.objects.get(pk=target).last_seq + 1
        _as_insider(
            f"UPDATE {TABLE} SET chain = %s, seq = %s WHERE chain = %s AND seq = %s",  # noqa: S608
            [target, after_b, source, last_a],
        )
        moved = AuditEvent.objects.get(chain=target, seq=after_b)
        AuditChainHead.objects.filter(pk=target).update(last_seq=after_b, last_hash=moved.hash)
        expected = {(source, last_a), (target, after_b)}
    else:
        _as_insider(f"DELETE FROM {TABLE} WHERE chain = %s AND seq = 10", [target])  # noqa: S608
        _as_insider(
            f"UPDATE {TABLE} SET chain = %s WHERE chain = %s AND seq = 10",  # noqa: S608
            [target, source],
        )
        expected = {(min(source, target), 10)}

    # then verification names the first event that differs, on the first chain where one does
    report = verify_chain()
    assert not report.ok
    assert (report.broken_chain, report.broken_seq) in expected, report.describe()
    assert _verify_audit()[0] == 1


def test_a_chain_written_before_there_were_several_stays_valid_with_its_old_checkpoint() -> None:
    # given the single chain of before (its events on chain 0, without a "chain" in their hashed text)
    # sealed by a checkpoint of the single-chain format
    _append_on(None, 12)
    head = AuditChainHead.objects.get(pk=0)
    keys = audit_keys()
    unsigned = Checkpoint(
        seq=head.last_seq,
        hash=head.last_hash,
        count=head.last_seq,
        at="2026-01-01T00:00:00.000000+00:00",
        key=keys.fingerprint,
        signature="",
        format=FORMAT_V1,
    )
    import base64
    import json

    signed_text = json.dumps(unsigned.body(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    signature = base64.b64encode(keys.sign(signed_text.encode())).decode()
    old = dataclasses.replace(unsigned, signature=signature)
    checkpoint_store().put(old.name, old.to_bytes())

    # when cases' events are appended on their chains and everything is sealed again
    a, b = _cases_on_two_chains()
    _append_on(a, 3)
    seal = checkpoint_seal(reason="manual")

    # then the old checkpoint and the new one both verify, and so does every chain
    assert seal is not None and seal.ok, seal and seal.error
    report = verify_chain()
    assert report.ok and report.checkpoints == 2, report.describe()
    # and cutting chain 0's tail is still caught by the old checkpoint
    _as_insider(f"DELETE FROM {TABLE} WHERE chain = 0 AND seq > 10", [])  # noqa: S608
    AuditChainHead.objects.filter(pk=0).update(
        last_seq=10, last_hash=AuditEvent.objects.get(chain=0, seq=10).hash
    )
    assert verify_chain().broken_seq == 11


def test_a_batch_crossing_the_cadence_on_several_chains_is_sealed_once_for_all_of_them(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from debt_collections.models import AuditSeal

    a, b = _cases_on_two_chains()
    with override_settings(AUDIT_CHECKPOINT_EVERY_EVENTS=5):
        with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
            audit_append_many(
                [PendingEvent("test.step", case.pk, {"i": i}, ACTOR) for case in (a, b) for i in range(6)]
                + [PendingEvent("test.step", None, {"i": i}, ACTOR) for i in range(6)],
                at=timezone.now(),
            )

    # one seal after the commit, signing the three heads that crossed (not one seal per chain)
    assert len(callbacks) == 1
    seal = AuditSeal.objects.get()
    assert seal.ok and seal.reason == "cadence" and seal.seq == AuditEvent.objects.count()
    assert verify_chain().ok
