"""Helpers for audit-chain tests: the runtime role on PostgreSQL, and acting as an insider (the owner).

In CI's PostgreSQL pass (``DATABASE_RUNTIME_ROLE`` set) every database test runs as the runtime role
(``tests/conftest.py`` switches with ``SET ROLE`` after migrations ran as the owner); a test that plays a
database insider rewriting history takes the owner's privileges back with ``owner_privileges()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection

if TYPE_CHECKING:
    from debt_collections.models import AuditEvent


def runtime_role() -> str:
    """The role the suite runs as on PostgreSQL, or "" (SQLite, or not configured)."""
    if connection.vendor != "postgresql":
        return ""
    return str(settings.DATABASE_RUNTIME_ROLE or "")


def use_runtime_role() -> None:
    role = runtime_role()
    if role:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {connection.ops.quote_name(role)}")


def use_owner_role() -> None:
    if runtime_role():
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


@contextmanager
def owner_privileges() -> Iterator[None]:
    """Run the block with the login (owner) role's privileges: a DBA or an owner-credential insider. The
    role in effect before (the runtime role, or the owner in a transactional test) is restored after."""
    role = runtime_role()
    if not role:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        was_runtime = cursor.fetchone()[0] == role
    use_owner_role()
    try:
        yield
    finally:
        if was_runtime:
            use_runtime_role()


def become_insider() -> None:
    """For the rest of the test: the owner's privileges, and the append-only triggers dropped (inside the
    test transaction: DDL is transactional, the rollback restores them)."""
    from debt_collections.kernel.db_triggers import drop_audit_triggers

    use_owner_role()
    drop_audit_triggers(connection)


# --- a sealed chain, and the ten rewrites of issue 16 ------------------------------------------------

CHAIN_LENGTH = 80
TARGET = 40  # the event the in-place rewrites touch


def build_sealed_chain(length: int = CHAIN_LENGTH) -> None:
    """``length`` events without a case (so all on chain 0: one bulk append, as the cycle writes them), then a
    signed checkpoint of the heads."""
    from django.db import transaction
    from django.utils import timezone

    from debt_collections.kernel.audit import Actor, PendingEvent, audit_append_many
    from debt_collections.kernel.sealing import checkpoint_seal

    actor = Actor.system("test")
    events = [
        PendingEvent(
            action=f"test.step_{i}", case_id=None, payload={"step": i, "note": 'a "q" \\ ü'}, actor=actor
        )
        for i in range(1, length + 1)
    ]
    with transaction.atomic():
        audit_append_many(events, at=timezone.now())
    seal = checkpoint_seal(reason="manual")
    assert seal is not None and seal.ok, seal and seal.error


def _sql(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def _table() -> str:
    from debt_collections.models import AuditEvent

    return AuditEvent._meta.db_table


def _head_to(seq: int) -> None:
    from debt_collections.models import AuditChainHead, AuditEvent

    digest = AuditEvent.objects.filter(chain=0, seq=seq).values_list("hash", flat=True).get()
    AuditChainHead.objects.filter(pk=0).update(last_seq=seq, last_hash=digest)


def _recompute_from(seq: int) -> None:
    """Rewrite every hash from ``seq`` on so the chain links again, and move the head: what an insider with
    the hashing code can do (not the MACs: the key is not in the database)."""
    from debt_collections.kernel.audit import compute_hash, event_fields
    from debt_collections.models import AuditEvent

    before = AuditEvent.objects.filter(chain=0, seq=seq - 1)
    previous = before.values_list("hash", flat=True).first() or "0" * 64
    for event in AuditEvent.objects.filter(chain=0, seq__gte=seq).order_by("seq"):
        fields = event_fields(
            seq=event.seq,
            at=event.at,
            actor=event.actor,
            action=event.action,
            case_id=event.case_id,
            payload=event.payload,
        )
        digest = compute_hash(previous, fields)
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=previous, hash=digest)
        previous = digest
    _head_to(AuditEvent.objects.filter(chain=0).order_by("-seq").values_list("seq", flat=True)[0])


def _forged_row(seq: int, prev_hash: str) -> None:
    from django.utils import timezone

    from debt_collections.kernel.audit import compute_hash, event_fields
    from debt_collections.models import AuditEvent

    at = timezone.now()
    payload = {"amount": "0.00", "note": "waiver approved"}
    fields = event_fields(
        seq=seq, at=at, actor="user:1:admin", action="waiver.approve", case_id=None, payload=payload
    )
    AuditEvent.objects.create(
        seq=seq,
        at=at,
        actor="user:1:admin",
        action="waiver.approve",
        payload=payload,
        prev_hash=prev_hash,
        hash=compute_hash(prev_hash, fields),
        mac="0" * 64,
    )


def payload_edited() -> int:
    _sql(f"UPDATE {_table()} SET payload = %s WHERE seq = %s", ['{"note":"x","step":999}', TARGET])  # noqa: S608
    return TARGET


def hash_edited() -> int:
    _sql(f"UPDATE {_table()} SET hash = %s WHERE seq = %s", ["ab" * 32, TARGET])  # noqa: S608
    return TARGET


def middle_row_deleted() -> int:
    _sql(f"DELETE FROM {_table()} WHERE seq = %s", [TARGET])  # noqa: S608
    return TARGET


def two_rows_seq_swapped() -> int:
    t = _table()
    _sql(f"UPDATE {t} SET seq = -1 WHERE seq = %s", [TARGET])  # noqa: S608
    _sql(f"UPDATE {t} SET seq = %s WHERE seq = %s", [TARGET, TARGET + 1])  # noqa: S608
    _sql(f"UPDATE {t} SET seq = %s WHERE seq = -1", [TARGET + 1])  # noqa: S608
    return TARGET


def last_row_deleted_head_left() -> int:
    _sql(f"DELETE FROM {_table()} WHERE seq = %s", [CHAIN_LENGTH])  # noqa: S608
    return CHAIN_LENGTH


def tail_cut_head_moved_back() -> int:
    keep = CHAIN_LENGTH - 50
    _sql(f"DELETE FROM {_table()} WHERE seq > %s", [keep])  # noqa: S608
    _head_to(keep)
    return keep + 1


def forged_row_appended() -> int:
    from debt_collections.models import AuditChainHead

    head = AuditChainHead.objects.get(pk=0)
    _forged_row(head.last_seq + 1, head.last_hash)
    _head_to(head.last_seq + 1)
    return CHAIN_LENGTH + 1


def edited_then_recomputed() -> int:
    payload_edited()
    _recompute_from(TARGET)
    return TARGET


def deleted_renumbered_then_recomputed() -> int:
    t = _table()
    _sql(f"DELETE FROM {t} WHERE seq = %s", [TARGET])  # noqa: S608
    for seq in range(TARGET + 1, CHAIN_LENGTH + 1):
        _sql(f"UPDATE {t} SET seq = %s WHERE seq = %s", [seq - 1, seq])  # noqa: S608
    _recompute_from(TARGET)
    return TARGET


def stray_row_past_the_head() -> int:
    from debt_collections.models import AuditChainHead

    head = AuditChainHead.objects.get(pk=0)
    _forged_row(head.last_seq + 1, "e" * 64)
    return CHAIN_LENGTH + 1


# name -> rewrite; each returns the first seq that differs
REWRITES = {
    "payload-edited": payload_edited,
    "hash-edited": hash_edited,
    "middle-row-deleted": middle_row_deleted,
    "two-rows-seq-swapped": two_rows_seq_swapped,
    "last-row-deleted-head-left": last_row_deleted_head_left,
    "tail-cut-head-moved-back": tail_cut_head_moved_back,
    "forged-row-appended": forged_row_appended,
    "edited-then-recomputed": edited_then_recomputed,
    "deleted-renumbered-then-recomputed": deleted_renumbered_then_recomputed,
    "stray-row-past-the-head": stray_row_past_the_head,
}


def rewrite(name: str) -> int:
    """Play the insider: drop the triggers (as the owner) and apply rewrite ``name``; return its seq."""
    from debt_collections.kernel.db_triggers import drop_audit_triggers

    with owner_privileges():
        drop_audit_triggers(connection)
        return REWRITES[name]()


def audit_events(*, payload: dict[str, object], **filters: object) -> list[AuditEvent]:
    """Audit events matching ``filters`` whose payload holds each key and value of ``payload``, in seq order.

    The payload column is the canonical JSON text the hash covers, not ``jsonb``: no ``payload__key``
    lookups in SQL, so the payload is matched here.
    """
    from debt_collections.models import AuditEvent

    return [
        event
        for event in AuditEvent.objects.filter(**filters).order_by("seq")
        if isinstance(event.payload, dict) and all(event.payload.get(k) == v for k, v in payload.items())
    ]
