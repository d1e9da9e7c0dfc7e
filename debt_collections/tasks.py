"""Celery entry points for the daily cycle: one task per primary-key chunk, fanned out as a group."""

from __future__ import annotations

from datetime import date

from celery import group, shared_task
from django.utils import timezone

from accounts.models import CreditAccount
from debt_collections.credit.limits import limit_changes_apply_due
from debt_collections.cycle import CHUNK_SIZE, chunks, cycle_run_chunk
from ops.services import cycle_record_chunk_done, cycle_record_finish, cycle_record_start


@shared_task(name="debt_collections.run_cycle_chunk", acks_late=True)
def run_cycle_chunk(as_of: str, lo: int, hi: int, run_id: int | None = None) -> dict[str, object]:
    try:
        report = cycle_run_chunk(as_of=date.fromisoformat(as_of), lo=lo, hi=hi)
    except Exception:
        if run_id is not None:
            cycle_record_chunk_done(run_id=run_id, now=timezone.now(), failed=True)
        raise
    if run_id is not None:  # the run record the metrics read (ops.models.CycleRun)
        cycle_record_chunk_done(run_id=run_id, now=timezone.now(), errors=len(report.errors))
    return report.as_dict()


@shared_task(name="debt_collections.run_collection_cycle")
def run_collection_cycle(as_of: str | None = None, chunk_size: int = CHUNK_SIZE) -> int:
    """Beat entry point: fan the day's cycle out over the workers. Returns the number of chunks.

    The once-per-run steps (credit-limit changes whose notice period has passed) run here; the
    per-account steps run in the chunks.
    """
    day = as_of or timezone.localdate().isoformat()
    limits = limit_changes_apply_due(now=timezone.now())
    ranges = list(chunks(CreditAccount, chunk_size))
    run = cycle_record_start(
        as_of=date.fromisoformat(day), via="beat", now=timezone.now(), chunks=len(ranges),
        errors=len(limits.waiting),
    )
    if not ranges:
        cycle_record_finish(run_id=run.pk, now=timezone.now(), errors=len(limits.waiting))
        return 0
    group([run_cycle_chunk.s(day, lo, hi, run.pk) for lo, hi in ranges]).apply_async()
    return len(ranges)
