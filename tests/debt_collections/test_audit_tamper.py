"""Issue 16: the ten rewrites a database insider can make, each caught by ``verify_audit`` (exit 1, the first
seq that differs), on SQLite and on PostgreSQL (the same tests in CI's PostgreSQL pass); signed
checkpoints, MACs, the store, and appends that a damaged chain never blocks."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from debt_collections.kernel.audit import audit_append
from debt_collections.kernel.audit_keys import generate_key_file, public_path
from debt_collections.kernel.audit_verify import PG_CANONICAL, canonical_row_text, verify_chain
from debt_collections.kernel.checkpoints import CheckpointExists, LocalDirectoryStore
from debt_collections.kernel.sealing import checkpoint_seal
from debt_collections.models import AuditEvent, AuditSeal
from debt_collections.models.audit_seals import canonical_json
from tests.audit_support import CHAIN_LENGTH, REWRITES, build_sealed_chain, rewrite
from tests.factories import SYSTEM


def _verify_audit(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_an_untouched_sealed_chain_verifies_with_its_checkpoint() -> None:
    build_sealed_chain()

    status, out, _err = _verify_audit()

    assert status == 0
    assert out.startswith(f"OK {CHAIN_LENGTH} events; 1 signed checkpoints verified, the last at seq 80; 0 ")


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(REWRITES))
def test_verify_audit_catches_every_rewrite_and_names_the_first_seq_that_differs(name: str) -> None:
    # given a chain sealed by a signed checkpoint
    build_sealed_chain()

    # when an insider with the owner's privileges rewrites it
    first = rewrite(name)

    # then verify_audit exits 1 naming the first seq that differs
    status, _out, err = _verify_audit()
    assert status == 1
    assert f"BROKEN at seq {first}:" in err, err


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(REWRITES))
def test_a_rewrite_is_refused_a_seal_and_the_failure_is_recorded(name: str) -> None:
    build_sealed_chain()
    rewrite(name)

    seal = checkpoint_seal(reason="timer")

    # then no checkpoint blesses the rewritten chain (unless the head did not move: nothing to seal)
    if seal is not None:
        assert not seal.ok
        assert AuditSeal.objects.filter(ok=False).exists()
    status, _out, _err = _verify_audit()
    assert status == 1


@pytest.mark.django_db
def test_events_after_the_last_checkpoint_are_counted_as_not_yet_sealed() -> None:
    build_sealed_chain()
    with transaction.atomic():
        for i in range(3):
            audit_append(actor=SYSTEM, action="test.later", at=timezone.now(), payload={"i": i})

    report = verify_chain()

    assert report.ok, report.describe()
    assert (report.sealed_seq, report.unsealed) == (CHAIN_LENGTH, 3)


@pytest.mark.django_db
def test_a_forged_append_after_the_last_checkpoint_is_caught_by_its_mac() -> None:
    # the window between checkpoints: no signature covers it yet, the MAC does
    build_sealed_chain()
    with transaction.atomic():
        audit_append(actor=SYSTEM, action="test.later", at=timezone.now(), payload={})

    first = rewrite("forged-row-appended")

    assert first == CHAIN_LENGTH + 1
    assert verify_chain().broken_seq == CHAIN_LENGTH + 2
    assert "MAC" in verify_chain().problem


@pytest.mark.django_db
def test_verify_audit_with_another_public_key_fails(tmp_path: Path) -> None:
    build_sealed_chain()
    other = tmp_path / "other.pem"
    generate_key_file(other)

    status, _out, err = _verify_audit("--public-key", str(public_path(other)))

    assert status == 1
    assert "does not verify" in err


@pytest.mark.django_db
def test_a_stray_row_past_the_head_never_blocks_the_applications_appends() -> None:
    build_sealed_chain()
    rewrite("stray-row-past-the-head")

    with transaction.atomic():
        event = audit_append(actor=SYSTEM, action="test.after_stray", at=timezone.now(), payload={})

    assert event.seq == CHAIN_LENGTH + 2
    assert verify_chain().broken_seq == CHAIN_LENGTH + 1


def test_the_local_store_refuses_to_overwrite_a_checkpoint(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path)
    store.put("00000000000000000001.json", b"first")

    with pytest.raises(CheckpointExists):
        store.put("00000000000000000001.json", b"second")

    assert store.get("00000000000000000001.json") == b"first"
    assert store.names() == ["00000000000000000001.json"]


@pytest.mark.django_db
def test_python_and_postgresql_build_the_canonical_text_the_hash_covers() -> None:
    # given text the JSON encoders could disagree on: quotes, backslashes, controls, non-ASCII, U+2028
    tricky = 'a "quoted" \\ back\nslash\t\x01\x1f ü 中文 \u2028 😀'
    with transaction.atomic():
        event = audit_append(
            actor=SYSTEM, action=tricky, at=timezone.now(), payload={"k": tricky, "n": [1, None]}
        )
    event.refresh_from_db()
    payload_text = canonical_json(event.payload)
    from debt_collections.kernel.audit import event_fields
    from debt_collections.kernel.audit_verify import canonical_time

    expected = canonical_json(
        event_fields(
            seq=event.seq,
            at=event.at,
            actor=event.actor,
            action=event.action,
            case_id=None,
            payload=event.payload,
        )
    )

    assert (
        canonical_row_text(
            seq=event.seq,
            at_text=canonical_time(event.at),
            actor=event.actor,
            action=event.action,
            case_id=None,
            payload_text=payload_text,
        )
        == expected
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {PG_CANONICAL} FROM {AuditEvent._meta.db_table} WHERE seq = %s", [event.seq]
            )  # noqa: S608
            assert cursor.fetchone()[0] == expected
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["payload-edited", "edited-then-recomputed", "middle-row-deleted"])
def test_postgresql_checks_hashes_and_reads_chunks_on_parallel_connections_in_one_snapshot(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the path a long chain takes outside a transaction: three connections sharing one exported snapshot
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from debt_collections.kernel import audit_verify

    monkeypatch.setattr(audit_verify, "PARALLEL_FROM", 0)
    build_sealed_chain()
    assert verify_chain(chunk=7).ok

    first = rewrite(name)

    assert verify_chain(chunk=7).broken_seq == first
