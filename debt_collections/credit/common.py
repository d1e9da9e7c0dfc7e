"""What the credit services share: the cycle's actor, the pre-notice record's statuses, a date's cutoff,
the pack in effect, and the account-id bounds of a chunk of the daily cycle."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from debt_collections.kernel.audit import Actor
from debt_collections.models import CollectionCase, CreditReportNotice
from debt_collections.policies import PolicyPack, get_pack

CYCLE = Actor.system("collection_cycle")  # the same actor as the rest of the daily cycle
S = CreditReportNotice.Status


def end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def cutoff_of(as_of: date, now: datetime) -> datetime:
    """The latest instant that counts for ``as_of``: its end, or ``now`` if earlier (as the plan steps)."""
    return min(now, end_of(as_of))


def pack_at(case: CollectionCase, at: datetime) -> PolicyPack:
    return get_pack(case.customer.jurisdiction, at.date())


def in_range(lo: int | None, hi: int | None, prefix: str = "case__") -> dict[str, int]:
    bounds = {}
    if lo is not None:
        bounds[f"{prefix}account_id__gte"] = lo
    if hi is not None:
        bounds[f"{prefix}account_id__lte"] = hi
    return bounds
