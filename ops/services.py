"""Writes of the ops app: the daily cycle's run record (``CycleRun``).

System bookkeeping with no actor: the cycle's entry points call these around the cycle; nothing here
changes a case. Each function is one short statement, safe to call outside a transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from django.db.models import F

from ops.models import CycleRun


def cycle_record_start(*, as_of: date, via: str, now: datetime, chunks: int = 0, errors: int = 0) -> CycleRun:
    """A new run record, ``running`` (``errors``: what the run's once-per-run steps already skipped)."""
    return CycleRun.objects.create(as_of=as_of, via=via, started_at=now, chunks=chunks, errors=errors)


def cycle_record_finish(
    *,
    run_id: int,
    now: datetime,
    report: Mapping[str, object] | None = None,
    errors: int = 0,
    failed: bool = False,
) -> None:
    """End a run: ``failed`` when it raised, else ``errors`` when it skipped something, else ``ok``."""
    outcome = (
        CycleRun.Outcome.FAILED if failed else (CycleRun.Outcome.ERRORS if errors else CycleRun.Outcome.OK)
    )
    counts = {k: v for k, v in (report or {}).items() if isinstance(v, int)}
    CycleRun.objects.filter(pk=run_id).update(
        finished_at=now, outcome=outcome, errors=errors, report=counts, chunks_done=F("chunks")
    )


def cycle_record_chunk_done(*, run_id: int, now: datetime, errors: int = 0, failed: bool = False) -> None:
    """One chunk of a fanned-out run ended; the last one ends the run. Safe with chunks in parallel:
    the counters move in one UPDATE each, and only the update that reaches ``chunks`` ends the run."""
    CycleRun.objects.filter(pk=run_id).update(chunks_done=F("chunks_done") + 1, errors=F("errors") + errors)
    if failed:
        CycleRun.objects.filter(pk=run_id).update(outcome=CycleRun.Outcome.FAILED)
    finished = (
        CycleRun.objects.filter(pk=run_id, finished_at__isnull=True, chunks_done__gte=F("chunks"))
        .values_list("errors", "outcome")
        .first()
    )
    if finished is None:
        return
    total_errors, outcome = finished
    if outcome == CycleRun.Outcome.RUNNING:
        outcome = CycleRun.Outcome.ERRORS if total_errors else CycleRun.Outcome.OK
    CycleRun.objects.filter(pk=run_id, finished_at__isnull=True).update(finished_at=now, outcome=outcome)
