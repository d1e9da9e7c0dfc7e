"""Celery entry points for the daily cycle: one task per primary-key chunk, fanned out as a group."""

from __future__ import annotations

from datetime import date

from celery import group, shared_task
from django.utils import timezone

from accounts.models import CreditAccount
from debt_collections.credit.limits import limit_changes_apply_due
from debt_collections.cycle import CHUNK_SIZE, chunks, cycle_run_chunk


@shared_task(name="debt_collections.run_cycle_chunk", acks_late=True)
def run_cycle_chunk(as_of: str, lo: int, hi: int) -> dict[str, object]:
    return cycle_run_chunk(as_of=date.fromisoformat(as_of), lo=lo, hi=hi).as_dict()


@shared_task(name="debt_collections.run_collection_cycle")
def run_collection_cycle(as_of: str | None = None, chunk_size: int = CHUNK_SIZE) -> int:
    """Beat entry point: fan the day's cycle out over the workers. Returns the number of chunks.

    The once-per-run steps (credit-limit changes whose notice period has passed) run here; the
    per-account steps run in the chunks.
    """
    day = as_of or timezone.localdate().isoformat()
    limit_changes_apply_due(now=timezone.now())
    jobs = [run_cycle_chunk.s(day, lo, hi) for lo, hi in chunks(CreditAccount, chunk_size)]
    if jobs:
        group(jobs).apply_async()
    return len(jobs)
