"""Sealing: sign the chain head into a checkpoint and publish it to the store, after commit.

A checkpoint signs every chain's head at once, and only over chains that verify from the previous
checkpoint to their heads (links, hashes, MACs): a rewrite made since the last checkpoint is refused a seal
instead of being blessed by one, and ``expect`` (the seq the caller just committed, per chain) catches a
tail cut in that window. Cadence: every
``AUDIT_CHECKPOINT_EVERY_EVENTS`` events (``audit._request_seal``, after commit), every
``AUDIT_CHECKPOINT_EVERY_MINUTES`` (the ``seal_audit_checkpoint`` beat task), at the end of the daily cycle
and before every evidence export.

Publishing is retried (``ATTEMPTS`` with a short backoff); a seal that still fails is an alert: logged at
ERROR and recorded as a failed ``AuditSeal`` row, which the compliance workspace's chain status shows until
a later seal succeeds. Never silently skipped, never raised into the request that happened to cross the
cadence (its transaction has committed already).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from debt_collections.kernel.audit_keys import AuditKeys, audit_keys
from debt_collections.kernel.audit_verify import verify_chain
from debt_collections.kernel.checkpoints import (
    Checkpoint,
    CheckpointExists,
    CheckpointStore,
    InvalidCheckpoint,
    StoredCheckpoints,
    checkpoint_parse,
    checkpoint_sign,
    checkpoint_store,
)
from debt_collections.models import AuditChainHead, AuditSeal

logger = logging.getLogger(__name__)

T = TypeVar("T")
ATTEMPTS = 3
BACKOFF_SECONDS = 0.5


class SealFailed(Exception):
    pass


def last_checkpoint(store: CheckpointStore, keys: AuditKeys) -> Checkpoint | None:
    """The newest checkpoint that verifies (read from the end of the store, so a seal stays cheap)."""
    for name in reversed(store.names()):
        try:
            checkpoint = checkpoint_parse(store.get(name), keys.public)
        except InvalidCheckpoint:
            logger.error("audit: checkpoint %s in the store does not verify; skipping it", name)
            continue
        if checkpoint.name == name:
            return checkpoint
    return None


def checkpoint_seal(
    *,
    reason: str,
    now: datetime | None = None,
    expect: dict[int, int] | None = None,
    store: CheckpointStore | None = None,
    attempts: int = ATTEMPTS,
) -> AuditSeal | None:
    """Verify every chain since the last checkpoint, then seal their heads. Returns the ``AuditSeal``
    recorded (``ok`` or not), or ``None`` when the chains verify and their heads are already sealed. Never
    raises: a failure is logged at ERROR and recorded. Safe to repeat. ``expect`` maps a chain to a seq
    the caller committed on it."""
    now = now or timezone.now()
    head_seq, head_hash = 0, ""
    try:
        keys = audit_keys()
        store = store or checkpoint_store()
        heads = {c: (s, h) for c, s, h in AuditChainHead.objects.values_list("id", "last_seq", "last_hash")}
        head_seq = sum(s for s, _h in heads.values())
        previous = _retry(lambda: last_checkpoint(store, keys), attempts)
        for chain, seq in sorted((expect or {}).items()):
            if heads.get(chain, (0, ""))[0] < seq:
                raise SealFailed(
                    f"seq {seq} was committed on chain {chain} but its head is now at seq "
                    f"{heads.get(chain, (0, ''))[0]}: events were removed before they could be sealed"
                )
        if previous is not None:
            _check_previous_still_there(previous)
        stored = StoredCheckpoints(valid=[previous] if previous else [], invalid=[])
        report = verify_chain(stored=stored, keys=keys, after=previous)
        if not report.ok:
            raise SealFailed(f"the chain does not verify, so it is not sealed: {report.describe()}")
        live = {c: head for c, head in heads.items() if head[0] > 0}
        if previous is not None and {c: h for c, h in previous.heads.items() if h[0] > 0} == live:
            return None  # verified (rows past the heads included), and already sealed
        checkpoint = checkpoint_sign(keys, heads=live, at=now)
        head_hash = checkpoint.hash
        _retry(lambda: _publish(store, checkpoint), attempts)
    except Exception as exc:
        logger.error("audit: checkpoint NOT published (%s, %s events): %s", reason, head_seq, exc)
        return AuditSeal.objects.create(
            at=now, reason=reason, ok=False, seq=head_seq or None, hash=head_hash, error=str(exc)[:2000]
        )
    return AuditSeal.objects.create(
        at=now, reason=reason, ok=True, seq=checkpoint.seq, hash=checkpoint.hash, name=checkpoint.name
    )


def seal_after_commit(*, reason: str, expect: dict[int, int] | None = None) -> None:
    """Seal once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: checkpoint_seal(reason=reason, expect=expect))


def _check_previous_still_there(previous: Checkpoint) -> None:
    from debt_collections.models import AuditEvent

    for chain, (seq, digest) in sorted(previous.heads.items()):
        if seq == 0:
            continue
        stored = AuditEvent.objects.filter(chain=chain, seq=seq).values_list("hash", flat=True).first()
        if stored != digest:
            where = f"seq {seq}" if not chain else f"chain {chain} seq {seq}"
            raise SealFailed(
                f"{where} no longer has the hash its signed checkpoint names: the chain was rewritten"
            )


def _publish(store: CheckpointStore, checkpoint: Checkpoint) -> None:
    try:
        store.put(checkpoint.name, checkpoint.to_bytes())
    except CheckpointExists:
        # Another process sealed the same head first (same seq): fine if it names the same hash.
        existing = checkpoint_parse(store.get(checkpoint.name), audit_keys().public)
        if existing.hash != checkpoint.hash:
            raise SealFailed(
                f"the store already holds a different checkpoint for seq {checkpoint.seq}"
            ) from None


def _retry(action: Callable[[], T], attempts: int) -> T:
    """Run ``action``; on a store error (network, disk) try again with a growing pause. ``SealFailed``
    (a finding, not an outage) is not retried."""
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except SealFailed:
            raise
        except Exception:
            if attempt == attempts:
                raise
            logger.warning(
                "audit: checkpoint store error (attempt %s of %s)", attempt, attempts, exc_info=True
            )
            time.sleep(BACKOFF_SECONDS * attempt)
    raise AssertionError("unreachable")
