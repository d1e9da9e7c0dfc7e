"""The tamper-evident audit chain (DESIGN §10).

``hash = sha256(prev_hash + canonical_json(seq, at, actor, action, case, payload))``. Appends lock the
single ``AuditChainHead`` row ``FOR UPDATE``, so two concurrent writers on PostgreSQL queue instead
of both reading the same head and forking the chain (``prev_hash`` is also unique: a fork that
slipped past the lock would fail loudly). On SQLite, ``transaction_mode=IMMEDIATE`` already
serializes writers. The database refuses UPDATE and DELETE on events (see ``db_triggers``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from django.db import connection

from debt_collections.models import GENESIS_HASH, AuditChainHead, AuditEvent, CollectionCase

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class Actor:
    """Who did it: a staff user, a customer's negotiation link, or the system (a task or command)."""

    label: str
    user: User | None = None

    @classmethod
    def for_user(cls, user: User) -> Actor:
        return cls(label=f"user:{user.pk}:{user.username}", user=user)

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(label=f"system:{name}")

    @classmethod
    def link(cls, link_id: object) -> Actor:
        return cls(label=f"link:{link_id}")


def to_jsonable(value: Any) -> Any:
    """Normalise a payload to JSON types that survive a database round trip unchanged.

    Decimals become strings (never floats: a float's text can change between serialisers and would
    break the hash), datetimes become UTC ISO strings. Floats are refused for the same reason.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return canonical_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, float):
        raise TypeError("floats are not allowed in audit payloads; use Decimal or str")
    return str(value)


def canonical_time(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(fields: Mapping[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_fields(
    *, seq: int, at: datetime, actor: str, action: str, case_id: int | None, payload: Any
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": canonical_time(at),
        "actor": actor,
        "action": action,
        "case": case_id,
        "payload": payload,
    }


def compute_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(fields)).encode("utf-8")).hexdigest()


def audit_append(
    *,
    actor: Actor,
    action: str,
    at: datetime,
    case: CollectionCase | None = None,
    payload: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction.

    Must be called inside ``transaction.atomic()``: the event commits or rolls back with the change
    it records. Raises ``RuntimeError`` outside a transaction.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit_append must run inside the transaction of the change it records")
    clean_payload = to_jsonable(dict(payload or {}))
    head = AuditChainHead.objects.select_for_update().get(pk=1)
    seq = head.last_seq + 1
    case_id = case.pk if case is not None else None
    fields = event_fields(
        seq=seq, at=at, actor=actor.label, action=action, case_id=case_id, payload=clean_payload
    )
    digest = compute_hash(head.last_hash, fields)
    event = AuditEvent.objects.create(
        seq=seq,
        at=at,
        actor=actor.label,
        actor_user=actor.user,
        action=action,
        case_id=case_id,
        payload=clean_payload,
        prev_hash=head.last_hash,
        hash=digest,
    )
    AuditChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=digest)
    return event


_EVENT_COLUMNS = ("seq", "at", "actor", "actor_user_id", "action", "case_id", "payload", "prev_hash", "hash")


def _insert_events(rows: list[tuple[Any, ...]]) -> None:
    """Write prepared event rows (in ``_EVENT_COLUMNS`` order, payload as a JSON-ready value).

    The daily cycle appends thousands of events per run, and Django's ``bulk_create`` spends more CPU
    preparing each row than the database spends storing it: PostgreSQL gets one ``COPY``, SQLite one
    ``executemany``. The payload is stored as ``json.dumps`` text, as ``JSONField`` would store it.
    """
    quote = connection.ops.quote_name
    table = quote(AuditEvent._meta.db_table)
    columns = ", ".join(quote(c) for c in _EVENT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The raw psycopg cursor: map its errors to Django's (a forked chain is an IntegrityError).
            copy_sql = f"COPY {table} ({columns}) FROM STDIN"
            with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row((*row[:6], json.dumps(row[6]), *row[7:]))
        else:
            # The same text the ORM would store for an aware datetime (naive UTC on SQLite).
            adapt = connection.ops.adapt_datetimefield_value
            placeholders = ", ".join("%s" for _ in _EVENT_COLUMNS)
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608 (constants only)
                [(row[0], adapt(row[1]), *row[2:6], json.dumps(row[6]), *row[7:]) for row in rows],
            )


@dataclass(frozen=True)
class PendingEvent:
    """One event for ``audit_append_many``."""

    action: str
    case_id: int | None
    payload: Mapping[str, Any]
    actor: Actor


def audit_append_many(events: list[PendingEvent], *, at: datetime) -> int:
    """Append many events under one lock of the chain head (the daily cycle's bulk steps).

    Same chain, same hashes as calling ``audit_append`` once per event; one round trip for the lock,
    one bulk insert, one head update. Must run inside the transaction of the changes it records.
    """
    if not events:
        return 0
    if not connection.in_atomic_block:
        raise RuntimeError("audit_append_many must run inside the transaction of the changes it records")
    head = AuditChainHead.objects.select_for_update().get(pk=1)
    prev, seq = head.last_hash, head.last_seq
    rows: list[tuple[Any, ...]] = []
    for pending in events:
        seq += 1
        payload = to_jsonable(dict(pending.payload))
        fields = event_fields(
            seq=seq,
            at=at,
            actor=pending.actor.label,
            action=pending.action,
            case_id=pending.case_id,
            payload=payload,
        )
        digest = compute_hash(prev, fields)
        user = pending.actor.user
        rows.append(
            (
                seq,
                at,
                pending.actor.label,
                user.pk if user is not None else None,
                pending.action,
                pending.case_id,
                payload,
                prev,
                digest,
            )
        )
        prev = digest
    _insert_events(rows)
    AuditChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=prev)
    return len(rows)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    broken_seq: int | None = None
    problem: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"OK {self.count} events"
        return f"BROKEN at seq {self.broken_seq}: {self.problem}"


def _events(chunk: int, upto: int | None) -> Iterator[AuditEvent]:
    events = AuditEvent.objects.all() if upto is None else AuditEvent.objects.filter(seq__lte=upto)
    return (
        events.order_by("seq")
        .only("seq", "at", "actor", "action", "case_id", "payload", "prev_hash", "hash")
        .iterator(chunk_size=chunk)
    )


def verify_chain(*, chunk: int = 2000, progress: Any = None) -> ChainReport:
    """Recompute the whole chain; return the first broken event, or OK with the count.

    Detects a changed event (its fields no longer give its hash), a removed or reordered event
    (a gap in ``seq`` or a ``prev_hash`` that is not the previous hash), and a removed tail (the
    chain head names a later event than the last one found). Read-only; safe to run any time.
    """
    head = AuditChainHead.objects.filter(pk=1).first()
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    # Only up to the head read above: an event committed while we verify is not "tampering".
    for event in _events(chunk, head.last_seq if head is not None else None):
        if event.seq != expected_seq:
            return ChainReport(
                False,
                count,
                expected_seq,
                f"event missing: expected seq {expected_seq}, found seq {event.seq}",
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                False,
                count,
                event.seq,
                f"prev_hash {event.prev_hash[:12]}… does not match the hash of seq "
                f"{event.seq - 1} ({expected_prev[:12]}…)",
            )
        fields = event_fields(
            seq=event.seq,
            at=event.at,
            actor=event.actor,
            action=event.action,
            case_id=event.case_id,
            payload=event.payload,
        )
        recomputed = compute_hash(event.prev_hash, fields)
        if recomputed != event.hash:
            return ChainReport(
                False,
                count,
                event.seq,
                f"content changed: stored hash {event.hash[:12]}…, recomputed "
                f"{recomputed[:12]}… from (action={event.action!r}, actor={event.actor!r}, "
                f"at={fields['at']}, case={event.case_id}, payload={canonical_json(event.payload)[:200]})",
            )
        expected_prev = event.hash
        expected_seq += 1
        count += 1
        if progress is not None and count % chunk == 0:
            progress(count)
    if head is not None and (head.last_seq != count or head.last_hash != expected_prev):
        return ChainReport(
            False,
            count,
            count + 1 if head.last_seq > count else head.last_seq,
            f"chain head says seq {head.last_seq} ({head.last_hash[:12]}…) but the last "
            f"event found is seq {count} ({expected_prev[:12]}…): events removed",
        )
    return ChainReport(True, count)
