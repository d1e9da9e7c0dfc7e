"""Celery entry points for the daily cycle: ``cycle_start`` once, then one task per chunk of account ids,
fanned out as a group (``cycle.cycle_send_chunks``). The in-process form is ``cycle.cycle_run``: the
same steps, the same order, the same clock."""

from __future__ import annotations

import time
from datetime import date, datetime

from celery import shared_task
from django.utils import timezone

from accounts.models import CreditAccount
from debt_collections.cycle import (
    CHUNK_SIZE,
    CHUNK_TASK,
    chunks,
    cycle_run_chunk,
    cycle_send_chunks,
    cycle_start,
)
from debt_collections.kernel.sealing import checkpoint_seal
from ops.services import cycle_record_chunk_done, cycle_record_finish, cycle_record_start


@shared_task(name=CHUNK_TASK, acks_late=True)
def run_cycle_chunk(
    as_of: str, lo: int, hi: int, run_id: int | None = None, now: str | None = None
) -> dict[str, object]:
    """One chunk of the day's cycle. ``now`` is the run's clock (ISO 8601), read once by whoever started
    the run; a chunk sent without one (an older message) reads its own."""
    clock = datetime.fromisoformat(now) if now else timezone.now()
    try:
        report = cycle_run_chunk(as_of=date.fromisoformat(as_of), lo=lo, hi=hi, now=clock)
    except Exception:
        if run_id is not None:
            cycle_record_chunk_done(run_id=run_id, now=timezone.now(), failed=True)
        raise
    if run_id is not None:  # the run record the metrics read (ops.models.CycleRun)
        cycle_record_chunk_done(run_id=run_id, now=timezone.now(), errors=len(report.errors))
    # Fanned out, no one process sees the cycle end: each chunk seals what it committed (the last one
    # seals the day; a seal of an already-sealed head publishes nothing).
    checkpoint_seal(reason="cycle")
    return report.as_dict()


@shared_task(name="debt_collections.run_collection_cycle")
def run_collection_cycle(as_of: str | None = None, chunk_size: int = CHUNK_SIZE) -> int:
    """Beat entry point: the day's cycle fanned out over the workers. Returns the number of chunks.

    ``cycle_start`` (days past due, then limit changes) runs here, before any chunk, with the clock
    every chunk is given: the same order and the same clock as ``run_collection_cycle`` in-process.
    """
    now = timezone.now()
    day = date.fromisoformat(as_of) if as_of else timezone.localdate(now)
    start = cycle_start(as_of=day, now=now)
    ranges = list(chunks(CreditAccount, chunk_size))
    run = cycle_record_start(as_of=day, via="beat", now=now, chunks=len(ranges), errors=len(start.errors))
    if not ranges:
        cycle_record_finish(run_id=run.pk, now=timezone.now(), errors=len(start.errors))
        return 0
    cycle_send_chunks(as_of=day, now=now, ranges=ranges, run_id=run.pk)
    return len(ranges)


@shared_task(name="debt_collections.seal_audit_checkpoint", ignore_result=True)
def seal_audit_checkpoint(reason: str = "timer") -> int | None:
    """Beat (every ``AUDIT_CHECKPOINT_EVERY_MINUTES``): seal the audit chain's head if it moved. Returns the
    sealed seq, or None (already sealed, or failed: a failure is logged and shown in the chain status)."""
    seal = checkpoint_seal(reason=reason)
    return seal.seq if seal is not None and seal.ok else None


@shared_task(name="debt_collections.queue_refresh_due", ignore_result=True)
def queue_refresh_due(batch: int = 5_000, budget_seconds: float = 240.0) -> int:
    """The work queue's rows whose ``refresh_at`` has come (``services.queue.queue_refresh_due``), batch
    after batch until none is due or the budget (under the five-minute schedule) is spent; the next run
    goes on where this one stopped. Returns the rows recomputed."""
    from debt_collections.services.queue import queue_refresh_due as refresh

    started = time.monotonic()
    done = 0
    while time.monotonic() - started < budget_seconds:
        n = refresh(now=timezone.now(), limit=batch)
        done += n
        if n < batch:
            break
    return done
