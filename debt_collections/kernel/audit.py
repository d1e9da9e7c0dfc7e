"""The tamper-evident audit chain (DESIGN §10, §13): appends.

``hash = sha256(prev_hash + canonical_json(seq, at, actor, action, case, payload))``, where the payload is
stored as that same canonical text (so verification hashes stored bytes, ``audit_verify``), and
``mac = HMAC-SHA-256(key, hash)`` with a key the database never holds (``audit_keys``): someone who can
write the table can recompute hashes, not MACs. Signed checkpoints outside the database (``sealing``,
``checkpoints``) seal the heads every ``AUDIT_CHECKPOINT_EVERY_EVENTS`` events, so a cut tail is found too.

There are ``AUDIT_CHAINS`` chains (issue 13): events without a case on chain 0, a case's events all on chain
``1 + case_id % (AUDIT_CHAINS - 1)`` (``chain_for``), so one case's order is its chain's order. An append
locks its chain's ``AuditChainHead`` row ``FOR UPDATE``: two writers on one chain queue instead of both
reading the same head and forking it, writers on different chains never wait for each other. A signed
checkpoint seals every chain's head at once (``sealing``). On SQLite, ``transaction_mode=IMMEDIATE`` already
serializes writers. A transaction that appends to several chains locks them in ascending order when it appends
them together (``audit_append_many``); one that calls ``audit_append`` for cases on different chains in turn
can meet another doing the opposite, and PostgreSQL then aborts one of the two (a deadlock error, as with any
two row locks taken in opposite orders). The database refuses UPDATE and DELETE on events (``db_triggers``)
and, on PostgreSQL, the runtime role may only INSERT and SELECT them (``db_roles``). A stray row someone
inserted past the head never blocks an append: the next seq is taken past it (and verification reports the
stray row)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection

from debt_collections.kernel.audit_keys import audit_keys
from debt_collections.kernel.audit_verify import ChainReport, canonical_time, verify_chain
from debt_collections.kernel.bulk import bulk_set
from debt_collections.kernel.sealing import seal_after_commit
from debt_collections.models import AuditChainHead, AuditEvent, CollectionCase
from debt_collections.models.audit_seals import canonical_json

__all__ = [
    "Actor",
    "ChainReport",
    "PendingEvent",
    "audit_append",
    "audit_append_many",
    "canonical_json",
    "chain_for",
    "canonical_time",
    "compute_hash",
    "event_fields",
    "to_jsonable",
    "verify_chain",
]

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


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


def chain_for(case_id: int | None) -> int:
    """The chain an event goes on: 0 without a case, else one of chains 1..N-1 by the case's id (a case's
    events are all on one chain; cases never share chain 0 with the events of the single-chain past)."""
    chains = int(settings.AUDIT_CHAINS)
    if case_id is None or chains <= 1:
        return 0
    return 1 + case_id % (chains - 1)


def event_fields(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    case_id: int | None,
    payload: Any,
    chain: int = 0,
) -> dict[str, Any]:
    """The hashed fields. ``chain`` is among them except on chain 0, whose text is the single-chain one (so
    the events written before there were several chains keep their hashes); a row moved to another chain
    therefore no longer hashes to its stored hash either way."""
    fields = {
        "seq": seq,
        "at": canonical_time(at),
        "actor": actor,
        "action": action,
        "case": case_id,
        "payload": payload,
    }
    if chain:
        fields["chain"] = chain
    return fields


def compute_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(fields)).encode("utf-8")).hexdigest()


_PAYLOAD_SLOT = '"payload":null'
_SEQ_TAIL = ',"seq":0}'


def event_hash_prefix(fields: Mapping[str, Any], payload_text: str) -> str:
    """The canonical text of an event up to its ``seq`` value, for ``hash_from_prefix``.

    A bulk append prepares this before it locks the chains' heads (the seq and the previous hash are
    known only under the lock), so the heads are held for a hash and an HMAC per event, not for the
    payloads' serialisation. ``seq`` sorts last of the hashed keys, so it ends the text; the payload is
    spliced in as the text the row stores: inside a JSON string a quote is always escaped, so the key
    ``"payload":null`` occurs exactly once in the text with a null payload."""
    text = canonical_json({**fields, "payload": None, "seq": 0})
    if not text.endswith(_SEQ_TAIL):  # a new hashed key sorting after "seq" would break the prefix
        raise ValueError("the hashed event fields no longer end with seq")
    return text[: -len(_SEQ_TAIL) + len(',"seq":')].replace(_PAYLOAD_SLOT, '"payload":' + payload_text, 1)


def hash_from_prefix(prev_hash: str, prefix: str, seq: int) -> str:
    """``compute_hash`` of the event whose ``event_hash_prefix`` is ``prefix``, at ``seq``."""
    return hashlib.sha256(f"{prev_hash}{prefix}{seq}}}".encode()).hexdigest()


def _lock_head(chain: int) -> tuple[int, str]:
    """Lock the head of ``chain``; return the ``(seq, hash)`` the next event links to, in one round trip
    (the head row is created on a chain's first event).

    That is the head's, unless rows lie past it: rows someone inserted behind the application's back, or
    a head moved back. Then the next event follows the last stored row instead of failing on the unique seq
    forever (or forking the chain); verification reports any such row that the application did not write.
    """
    head = connection.ops.quote_name(AuditChainHead._meta.db_table)
    events = connection.ops.quote_name(AuditEvent._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    last_row = f"FROM {events} WHERE chain = %s ORDER BY seq DESC LIMIT 1"
    sql = (
        f"SELECT h.last_seq, h.last_hash, (SELECT seq {last_row}), (SELECT hash {last_row}) "  # noqa: S608
        f"FROM {head} h WHERE h.id = %s{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [chain, chain, chain])
        row = cursor.fetchone()
        if row is None:
            AuditChainHead.objects.bulk_create([AuditChainHead(id=chain)], ignore_conflicts=True)
            cursor.execute(sql, [chain, chain, chain])
            row = cursor.fetchone()
    if row is None:
        raise RuntimeError(f"the head row of audit chain {chain} is missing and could not be created")
    return _link_point(chain, *row)


def _link_point(
    chain: int, last_seq: int, last_hash: str, stored_seq: int | None, stored_hash: str | None
) -> tuple[int, str]:
    """What the next event links to: the head, or the last stored row when rows lie past the head."""
    if stored_seq is not None and stored_seq > last_seq:
        logger.error(
            "audit chain %s: rows up to seq %s lie past the chain head (seq %s); appending after them. "
            "Run verify_audit.",
            chain,
            stored_seq,
            last_seq,
        )
        return int(stored_seq), str(stored_hash)
    return int(last_seq), str(last_hash)


def _move_head(chain: int, seq: int, digest: str) -> None:
    AuditChainHead.objects.filter(pk=chain).update(last_seq=seq, last_hash=digest)


def _lock_heads(chains: list[int]) -> dict[int, tuple[int, str]]:
    """``_lock_head`` for several chains in one round trip: the heads are locked in ascending id order (the
    order every caller locks them in, so two batches never deadlock on each other). A batch that touches
    all eight chains costs one query here, not eight; a head row missing is created first."""
    if len(chains) == 1:
        return {chains[0]: _lock_head(chains[0])}
    head = connection.ops.quote_name(AuditChainHead._meta.db_table)
    events = connection.ops.quote_name(AuditEvent._meta.db_table)
    lock = " FOR UPDATE OF h" if connection.features.has_select_for_update else ""
    last_row = f"FROM {events} e WHERE e.chain = h.id ORDER BY e.seq DESC LIMIT 1"
    marks = ", ".join("%s" for _ in chains)
    sql = (
        f"SELECT h.id, h.last_seq, h.last_hash, (SELECT e.seq {last_row}), (SELECT e.hash {last_row}) "  # noqa: S608
        f"FROM {head} h WHERE h.id IN ({marks}) ORDER BY h.id{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, chains)
        rows = cursor.fetchall()
        if len(rows) < len(chains):
            AuditChainHead.objects.bulk_create([AuditChainHead(id=c) for c in chains], ignore_conflicts=True)
            cursor.execute(sql, chains)
            rows = cursor.fetchall()
    found: dict[int, tuple[int, str]] = {}
    for chain, *link in rows:
        found[int(chain)] = _link_point(int(chain), *link)
    missing = set(chains) - set(found)
    if missing:
        raise RuntimeError(
            f"the head rows of audit chains {sorted(missing)} are missing and could not be created"
        )
    return found


def _move_heads(moves: list[tuple[int, int, str]]) -> None:
    """Move several heads ``(chain, seq, hash)`` in one statement."""
    if len(moves) == 1:
        _move_head(*moves[0])
        return
    bulk_set(
        AuditChainHead,
        [AuditChainHead(id=chain, last_seq=seq, last_hash=digest) for chain, seq, digest in moves],
        ["last_seq", "last_hash"],
    )


def _request_seal(moved: list[tuple[int, int, int]]) -> None:
    """Every ``AUDIT_CHECKPOINT_EVERY_EVENTS`` events of a chain, publish a signed checkpoint of every chain
    after this commit (the per-chain cadence keeps the window of unsealed events per chain bounded).

    ``moved`` is ``(chain, seq before, seq after)`` per chain one append moved: one seal for all the
    chains that crossed, since a seal signs every chain's head (a bulk step crosses on every chain at
    once; a seal per chain verified and signed the same heads 8 times).
    """
    every = settings.AUDIT_CHECKPOINT_EVERY_EVENTS
    if every <= 0:
        return
    crossed = {chain: after for chain, before, after in moved if before // every != after // every}
    if crossed:
        seal_after_commit(reason="cadence", expect=crossed)


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
    keys = audit_keys()
    case_id = case.pk if case is not None else None
    chain = chain_for(case_id)
    last_seq, last_hash = _lock_head(chain)
    seq = last_seq + 1
    fields = event_fields(
        seq=seq,
        at=at,
        actor=actor.label,
        action=action,
        case_id=case_id,
        payload=clean_payload,
        chain=chain,
    )
    digest = compute_hash(last_hash, fields)
    event = AuditEvent(
        chain=chain,
        seq=seq,
        at=at,
        actor=actor.label,
        actor_user=actor.user,
        action=action,
        case_id=case_id,
        payload=clean_payload,
        prev_hash=last_hash,
        hash=digest,
        mac=keys.mac(digest),
    )
    if connection.vendor == "postgresql":
        # The insert and the head's move in one round trip (the lock was the first): the chain head is held
        # from the lock to the commit, so every round trip saved is throughput on this chain.
        event.pk = _insert_and_move_head(event)
        event._state.adding = False
        event._state.db = connection.alias
    else:
        event.save(force_insert=True)
        _move_head(chain, seq, digest)
    _request_seal([(chain, last_seq, seq)])
    return event


def _insert_and_move_head(event: AuditEvent) -> int:
    quote = connection.ops.quote_name
    table, head = quote(AuditEvent._meta.db_table), quote(AuditChainHead._meta.db_table)
    columns = ", ".join(quote(c) for c in _EVENT_COLUMNS)
    placeholders = ", ".join("%s" for _ in _EVENT_COLUMNS)
    user = event.actor_user_id
    values: list[Any] = [
        event.chain,
        event.seq,
        event.at,
        event.actor,
        user,
        event.action,
        event.case_id,
        canonical_json(event.payload),
        event.prev_hash,
        event.hash,
        event.mac,
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH e AS (INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING id) "  # noqa: S608
            f"UPDATE {head} SET last_seq = %s, last_hash = %s WHERE id = %s RETURNING (SELECT id FROM e)",
            [*values, event.seq, event.hash, event.chain],
        )
        row = cursor.fetchone()
    return int(row[0])


_EVENT_COLUMNS = (
    "chain",
    "seq",
    "at",
    "actor",
    "actor_user_id",
    "action",
    "case_id",
    "payload",
    "prev_hash",
    "hash",
    "mac",
)


def _check_deferred_constraints() -> None:
    """Run the transaction's deferred foreign-key checks now, on PostgreSQL, then defer again.

    Django's foreign keys are ``DEFERRABLE INITIALLY DEFERRED``: the checks of the thousands of rows a
    cycle step inserted (outbox rows, links, cases) would otherwise run at ``COMMIT``, while the step holds
    the audit chains' heads that every other writer waits for. ``SET CONSTRAINTS ALL IMMEDIATE`` checks
    what is pending at once; ``ALL DEFERRED`` restores the initial mode, which is deferred for every
    deferrable constraint of this schema (a test keeps it so)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")


def _insert_events(rows: list[tuple[Any, ...]]) -> None:
    """Write prepared event rows (in ``_EVENT_COLUMNS`` order, payload as its canonical JSON text).

    The daily cycle appends thousands of events per run, and Django's ``bulk_create`` spends more CPU
    preparing each row than the database spends storing it: PostgreSQL gets one ``COPY``, SQLite one
    ``executemany``. The payload text is stored as it is, as ``CanonicalJSONField`` stores it.
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
                    copy.write_row(row)
        else:
            # The same text the ORM would store for an aware datetime (naive UTC on SQLite).
            adapt = connection.ops.adapt_datetimefield_value
            placeholders = ", ".join("%s" for _ in _EVENT_COLUMNS)
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608 (constants only)
                [(*row[:2], adapt(row[2]), *row[3:]) for row in rows],
            )


@dataclass(frozen=True)
class PendingEvent:
    """One event for ``audit_append_many``."""

    action: str
    case_id: int | None
    payload: Mapping[str, Any]
    actor: Actor


def audit_append_many(events: list[PendingEvent], *, at: datetime) -> int:
    """Append many events, one lock per chain they go on (the daily cycle's bulk steps).

    Same chains, same hashes as calling ``audit_append`` once per event (each event on its case's chain, in
    the given order within a chain); the chains' heads are locked in ascending order in one query (two
    batches never deadlock on each other), one bulk insert, one statement moving every head. Must run
    inside the transaction of the changes it records.
    """
    if not events:
        return 0
    if not connection.in_atomic_block:
        raise RuntimeError("audit_append_many must run inside the transaction of the changes it records")
    keys = audit_keys()
    # Everything that does not depend on the chain's head is prepared before the heads are locked: two
    # cycle chunks on two workers append to the same chains and wait for each other's locks.
    by_chain: dict[int, list[tuple[PendingEvent, str, str]]] = {}
    for pending in events:
        chain = chain_for(pending.case_id)
        payload = canonical_json(to_jsonable(dict(pending.payload)))
        fields = event_fields(
            seq=0,
            at=at,
            actor=pending.actor.label,
            action=pending.action,
            case_id=pending.case_id,
            payload=None,
            chain=chain,
        )
        by_chain.setdefault(chain, []).append((pending, payload, event_hash_prefix(fields, payload)))
    _check_deferred_constraints()
    rows: list[tuple[Any, ...]] = []
    heads: list[tuple[int, int, int, str]] = []  # (chain, seq before, seq after, hash after)
    locked = _lock_heads(sorted(by_chain))
    for chain in sorted(by_chain):
        start_seq, prev = locked[chain]
        seq = start_seq
        for pending, payload, prefix in by_chain[chain]:
            seq += 1
            digest = hash_from_prefix(prev, prefix, seq)
            user = pending.actor.user
            rows.append(
                (
                    chain,
                    seq,
                    at,
                    pending.actor.label,
                    user.pk if user is not None else None,
                    pending.action,
                    pending.case_id,
                    payload,
                    prev,
                    digest,
                    keys.mac(digest),
                )
            )
            prev = digest
        heads.append((chain, start_seq, seq, prev))
    _insert_events(rows)
    _move_heads([(chain, after, digest) for chain, _before, after, digest in heads])
    _request_seal([(chain, before, after) for chain, before, after, _digest in heads])
    return len(rows)
