"""The daily cycle's collections-work step (issue 14), called by ONE line in ``services.cycle``.

Kept here so the cycle module (owned by the performance work) changes by one line: promises decided by
payments and their follow-up tasks (``services.promises``), online payments nobody finished marked
abandoned (``services.online_payments``), then the work queue's rows refreshed for the chunk
(``services.queue``), so the queue shows who may be contacted now without asking the gate per row; and
on the month's last day, the month-end delinquency snapshot for the supervisor dashboard's roll and cure
rates (``services.snapshots``: it reads every account of the chunk, so it runs once a month, not daily).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from debt_collections.services.online_payments import payment_intents_abandon_stale
from debt_collections.services.promises import promises_decide_due
from debt_collections.services.queue import queue_refresh_range
from debt_collections.services.snapshots import delinquency_snapshot_range


def cycle_step(*, as_of: date, now: datetime, lo: int, hi: int) -> list[str]:
    """Run the step for accounts with ids in [lo, hi]; returns the errors (the next run retries them).
    Safe to repeat for the same date."""
    step = promises_decide_due(as_of=as_of, now=now, lo=lo, hi=hi)
    payment_intents_abandon_stale(now=now, lo=lo, hi=hi)
    queue_refresh_range(lo=lo, hi=hi, as_of=as_of, now=now)
    if (as_of + timedelta(days=1)).month != as_of.month:  # the month's end: the state roll rates compare
        delinquency_snapshot_range(as_of=as_of, lo=lo, hi=hi)
    return step.errors
