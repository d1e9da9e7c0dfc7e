"""The tamper-evident audit chain (DESIGN §10) and the money constraints the database enforces.

Tampering tests drop the append-only triggers *inside* the test transaction: DDL is transactional on
SQLite and PostgreSQL, so the rollback at the end of the test puts the triggers back.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import CreditAccount
from debt_collections.kernel import audit_verify
from debt_collections.kernel.audit import audit_append, compute_hash, event_fields, verify_chain
from debt_collections.models import GENESIS_HASH, AuditChainHead, AuditEvent, CaseState, Payment
from tests.audit_support import become_insider, owner_privileges
from tests.factories import SYSTEM, CreditAccountFactory, make_case

TABLE = "collections_auditevent"


def _append(count: int, *, start: int = 1) -> list[AuditEvent]:
    """``count`` events appended the way services do: inside a transaction, one after the other."""
    events = []
    with transaction.atomic():
        for i in range(start, start + count):
            events.append(
                audit_append(actor=SYSTEM, action=f"test.step_{i}", at=timezone.now(), payload={"step": i})
            )
    return events


def _chain() -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("seq"))


def _verify_audit() -> tuple[str, str]:
    """Run ``manage.py verify_audit`` expecting exit status 1; return (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as excinfo:
        call_command("verify_audit", stdout=out, stderr=err)
    assert excinfo.value.code == 1
    return out.getvalue(), err.getvalue()


def _raw(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


# --- the chain ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_event_links_to_the_hash_of_the_one_before_starting_from_64_zeros() -> None:
    # given an empty chain
    assert not AuditEvent.objects.exists()

    # when services change two cases (open, escalate, hold; open, engage) and two plain events follow
    make_case(CaseState.ON_HOLD)
    make_case(CaseState.NEGOTIATING)
    _append(2)

    # then on each chain seq runs 1..n, the first links to the genesis hash and each later one to its
    # predecessor (a case's events on its own chain, the plain events on chain 0)
    events = list(AuditEvent.objects.order_by("chain", "seq"))
    assert len(events) == 7
    by_chain: dict[int, list[AuditEvent]] = {}
    for event in events:
        by_chain.setdefault(event.chain, []).append(event)
    assert len(by_chain) == 3
    for chain, chained in by_chain.items():
        assert [e.seq for e in chained] == list(range(1, len(chained) + 1))
        assert chained[0].prev_hash == GENESIS_HASH == "0" * 64
        for previous, event in zip(chained, chained[1:], strict=False):
            assert event.prev_hash == previous.hash
        # and the chain's head names its last event
        head = AuditChainHead.objects.get(pk=chain)
        assert (head.last_seq, head.last_hash) == (chained[-1].seq, chained[-1].hash)
    # and each hash is sha256 over its own fields, so the stored values are self-consistent
    for event in events:
        fields = event_fields(
            seq=event.seq,
            at=event.at,
            actor=event.actor,
            action=event.action,
            case_id=event.case_id,
            payload=event.payload,
            chain=event.chain,
        )
        assert event.hash == compute_hash(event.prev_hash, fields)


@pytest.mark.django_db
def test_verify_chain_is_ok_and_counts_every_event() -> None:
    make_case(CaseState.ACTIVE)  # open + escalate
    _append(3)

    report = verify_chain()

    assert report.ok
    assert report.count == 5
    assert report.describe().startswith("OK 5 events;")


@pytest.mark.django_db
def test_verify_chain_is_ok_on_an_empty_chain() -> None:
    assert verify_chain().describe().startswith("OK 0 events;")


@pytest.mark.django_db
def test_verify_audit_command_prints_ok_with_the_count_and_exits_zero() -> None:
    _append(4)
    out, err = StringIO(), StringIO()

    call_command("verify_audit", stdout=out, stderr=err)  # returns: no SystemExit means status 0

    assert out.getvalue().startswith("OK 4 events;")
    assert err.getvalue() == ""


@pytest.mark.django_db
def test_a_forged_fork_reusing_a_prev_hash_never_blocks_the_next_append_and_is_reported() -> None:
    # given a chain of two, and a row someone inserted behind the application's back that links to the
    # first event again and takes seq 3
    first, _second = _append(2)
    with owner_privileges():
        AuditEvent.objects.create(
            seq=3, at=timezone.now(), actor=SYSTEM.label, action="test.fork", payload={},
            prev_hash=first.hash, hash="f" * 64,
        )

    # when the application appends, then it is not blocked: it takes the seq after the stray row
    (third,) = _append(1, start=3)
    assert third.seq == 4

    # and verification names the stray row
    assert verify_chain().broken_seq == 3


# --- the database refuses change ------------------------------------------------------------


def _orm_update(event: AuditEvent) -> None:
    AuditEvent.objects.filter(pk=event.pk).update(action="case.resolve")


def _raw_update(event: AuditEvent) -> None:
    _raw(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["case.resolve", event.pk])  # noqa: S608


def _orm_delete(event: AuditEvent) -> None:
    AuditEvent.objects.filter(pk=event.pk).delete()


def _raw_delete(event: AuditEvent) -> None:
    _raw(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])  # noqa: S608


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    [_orm_update, _raw_update, _orm_delete, _raw_delete],
    ids=["orm-update", "raw-update", "orm-delete", "raw-delete"],
)
def test_the_database_refuses_to_update_or_delete_an_audit_event(tamper: Any) -> None:
    # given a chain of three
    events = _append(3)
    middle = events[1]

    # when anyone updates or deletes an event, the trigger refuses it (even the table's owner; the
    # runtime role is refused earlier, on privileges: test_db_roles)
    with owner_privileges(), pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        tamper(middle)

    # then the row is exactly as it was and the chain still verifies
    assert AuditEvent.objects.get(pk=middle.pk).action == middle.action
    assert verify_chain().count == 3


# --- verify_audit names what was changed (triggers dropped inside the test transaction) -----


def _sql_payload() -> str:
    return "%s"  # the payload column holds the canonical JSON text the hash covers


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value_sql", "value"),
    [
        ("action", "%s", "case.resolve"),
        ("actor", "%s", "user:1:admin"),
        ("payload", "PAYLOAD", '{"step": 99}'),
        ("case_id", "%s", 424242),
    ],
)
def test_verify_audit_names_an_event_changed_by_raw_sql(column: str, value_sql: str, value: Any) -> None:
    # given a chain of five, and someone with database access who dropped the triggers
    _append(5)
    become_insider()

    # when they change event 3 in place
    value_sql = _sql_payload() if value_sql == "PAYLOAD" else value_sql
    _raw(f"UPDATE {TABLE} SET {column} = {value_sql} WHERE seq = %s", [value, 3])  # noqa: S608

    # then verify_audit exits 1 and names seq 3
    _out, err = _verify_audit()
    assert "BROKEN at seq 3:" in err
    assert verify_chain().broken_seq == 3


@pytest.mark.django_db
def test_verify_audit_names_a_deleted_event_in_the_middle_of_the_chain() -> None:
    _append(5)
    become_insider()

    _raw(f"DELETE FROM {TABLE} WHERE seq = %s", [3])  # noqa: S608

    _out, err = _verify_audit()
    assert "BROKEN at seq 3:" in err
    assert "is missing" in err


@pytest.mark.django_db
def test_verify_audit_detects_a_deleted_tail_through_the_chain_head() -> None:
    # given a chain of five whose last two events are removed: what is left still links perfectly
    _append(5)
    become_insider()

    _raw(f"DELETE FROM {TABLE} WHERE seq >= %s", [4])  # noqa: S608

    # then only the chain head can tell, and the report names the first missing event
    _out, err = _verify_audit()
    assert "BROKEN at seq 4:" in err
    assert "events removed" in err


@pytest.mark.django_db
def test_verify_audit_names_an_event_whose_time_was_moved() -> None:
    _append(3)
    become_insider()

    AuditEvent.objects.filter(seq=2).update(at=F("at") - timedelta(hours=1))

    _out, err = _verify_audit()
    assert "BROKEN at seq 2:" in err


@pytest.mark.django_db
def test_an_event_appended_while_the_chain_is_being_verified_is_not_reported_as_tampering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a verified chain of three
    _append(3)
    original_rows = audit_verify.python_rows

    def rows_after_a_concurrent_append(*args: Any, **kwargs: Any) -> Any:
        # a service commits its event after verify_chain read the head but before it reads the events
        _append(1, start=4)
        return original_rows(*args, **kwargs)

    monkeypatch.setattr(audit_verify, "python_rows", rows_after_a_concurrent_append)
    monkeypatch.setattr(audit_verify, "pg_rows", rows_after_a_concurrent_append)

    # when the chain is verified, then nothing was tampered with, so it must not say so
    report = verify_chain()
    assert report.ok, report.describe()


# --- what may go into the chain -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_audit_append_outside_a_transaction_raises_and_writes_nothing() -> None:
    assert not connection.in_atomic_block

    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_append(actor=SYSTEM, action="test.orphan", at=timezone.now(), payload={})

    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [{"amount": 1.5}, {"amounts": [Decimal("1.00"), 2.0]}, {"plan": {"rate": 0.1}}],
    ids=["top-level", "in-a-list", "nested"],
)
def test_floats_in_an_audit_payload_are_refused(payload: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="floats"), transaction.atomic():
        audit_append(actor=SYSTEM, action="test.float", at=timezone.now(), payload=payload)

    assert not AuditEvent.objects.exists()
    assert AuditChainHead.objects.get(pk=0).last_seq == 0


@pytest.mark.django_db
def test_decimal_payloads_round_trip_as_exact_strings_and_verify() -> None:
    # given money amounts at the edges of MONEY precision
    payload = {
        "amount": Decimal("1234.50"),
        "rate": Decimal("0.035"),
        "max": Decimal("999999999999.99"),
        "zero": Decimal("0.00"),
    }

    with transaction.atomic():
        event = audit_append(actor=SYSTEM, action="test.money", at=timezone.now(), payload=payload)

    # then the stored payload keeps every digit (trailing zeros included) and the chain verifies
    stored = AuditEvent.objects.get(pk=event.pk).payload
    assert stored == {"amount": "1234.50", "rate": "0.035", "max": "999999999999.99", "zero": "0.00"}
    assert {k: Decimal(v) for k, v in stored.items()} == payload
    assert verify_chain().ok


@pytest.mark.django_db
def test_an_event_timed_in_another_zone_verifies_after_the_database_round_trip() -> None:
    shanghai = timezone.now().astimezone(ZoneInfo("Asia/Shanghai"))
    until = datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("Europe/London"))  # BST, UTC+1

    with transaction.atomic():
        event = audit_append(actor=SYSTEM, action="test.zones", at=shanghai, payload={"until": until})

    assert AuditEvent.objects.get(pk=event.pk).payload == {"until": "2026-07-01T08:30:00.000000+00:00"}
    assert verify_chain().ok


@pytest.mark.django_db
def test_a_naive_event_time_is_refused() -> None:
    naive = datetime(2026, 1, 1, 12, 0)  # noqa: DTZ001 - the point of the test

    with pytest.raises(ValueError, match="timezone-aware"), transaction.atomic():
        audit_append(actor=SYSTEM, action="test.naive", at=naive, payload={})

    assert not AuditEvent.objects.exists()


# --- money the database refuses -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("component", ["principal", "interest", "fees", "penalty_interest", "credit_limit"])
def test_a_negative_balance_is_refused_by_the_database(component: str) -> None:
    # when an account is created with a negative component, then the check constraint refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditAccountFactory.create(**{component: Decimal("-0.01")})

    assert not CreditAccount.objects.exists()


@pytest.mark.django_db
def test_overpaying_a_component_by_update_is_refused_by_the_database() -> None:
    account = CreditAccountFactory.create(principal=Decimal("100.00"))

    with pytest.raises(IntegrityError), transaction.atomic():
        CreditAccount.objects.filter(pk=account.pk).update(principal=F("principal") - Decimal("100.01"))

    account.refresh_from_db()
    assert account.principal == Decimal("100.00")


def _payment(account: CreditAccount, reference: str, amount: str = "100.00") -> Payment:
    return Payment.objects.create(
        account=account,
        external_reference=reference,
        amount=Decimal(amount),
        currency="CNY",
        received_at=timezone.now(),
    )


@pytest.mark.django_db
def test_a_duplicate_payment_external_reference_is_refused_by_the_database() -> None:
    # given a recorded payment
    account = CreditAccountFactory.create()
    _payment(account, "PSP-2026-0001")

    # when the provider's feed delivers the same reference again, then it cannot be recorded twice
    with pytest.raises(IntegrityError), transaction.atomic():
        _payment(account, "PSP-2026-0001", amount="50.00")

    assert Payment.objects.filter(external_reference="PSP-2026-0001").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["0.00", "-5.00"])
def test_a_payment_of_zero_or_less_is_refused_by_the_database(amount: str) -> None:
    account = CreditAccountFactory.create()

    with pytest.raises(IntegrityError), transaction.atomic():
        _payment(account, "PSP-2026-0002", amount=amount)

    assert not Payment.objects.exists()



@pytest.mark.parametrize(
    ("actor", "action", "payload", "chain", "seq"),
    [
        ("system:collection_cycle", "notice.queued", {"notice": 1, "why": {"b": "x", "a": [1, None]}}, 3, 12),
        ('user:7:o"payload":null', '"payload":null', {"payload": None, "z": '"payload":null,"seq":0}'}, 0, 1),
        ("link:9", "page.viewed", {}, 5, 10**12),
        ("user:1:名字", "note", {"text": "ünïcode \\ and \n newline", "n": -3, "seq": 4}, 1, 7),
    ],
)
def test_an_event_hashed_from_its_prepared_prefix_hashes_as_the_whole_event(
    actor: str, action: str, payload: dict[str, Any], chain: int, seq: int
) -> None:
    """The bulk append prepares each event's text up to its seq before it locks the heads, with the
    payload's stored text spliced in: the same hash as serialising the whole event, whatever the strings
    hold (a quote inside a value is always escaped) and whatever the seq."""
    from debt_collections.kernel.audit import event_hash_prefix, hash_from_prefix
    from debt_collections.models.audit_seals import canonical_json

    at = datetime(2026, 6, 1, 1, 0, tzinfo=ZoneInfo("UTC"))
    whole = event_fields(seq=seq, at=at, actor=actor, action=action, case_id=4, payload=payload, chain=chain)
    rest = event_fields(seq=0, at=at, actor=actor, action=action, case_id=4, payload=None, chain=chain)

    prefix = event_hash_prefix(rest, canonical_json(payload))
    assert hash_from_prefix("ab" * 32, prefix, seq) == compute_hash("ab" * 32, whole)


@pytest.mark.django_db
def test_every_deferrable_constraint_is_initially_deferred() -> None:
    """``audit_append_many`` runs the pending foreign-key checks before it locks the chains' heads and then
    defers every constraint again: right only while no constraint is deferrable but initially immediate."""
    if connection.vendor != "postgresql":
        pytest.skip("constraint modes are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint c JOIN pg_namespace n "
            "ON n.oid = c.connamespace WHERE n.nspname = 'public' AND condeferrable AND NOT condeferred "
            "UNION ALL SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
            "WHERE NOT tgisinternal AND tgdeferrable AND NOT tginitdeferred"
        )
        assert cursor.fetchall() == []


@pytest.mark.django_db
def test_a_row_repeating_an_events_hash_is_refused_by_the_database() -> None:
    """The hash stays unique in the database (a constraint, since its LIKE index went): a copied row
    cannot stand beside the event it copies, even when inserted behind the application's back."""
    [event] = _append(1)
    with owner_privileges(), pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.create(
            chain=event.chain,
            seq=event.seq + 100,
            at=event.at,
            actor=event.actor,
            action=event.action,
            payload={},
            prev_hash=event.prev_hash,
            hash=event.hash,
        )
