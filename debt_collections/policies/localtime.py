"""Local wall-clock arithmetic that stays correct across DST changes. Pure: no clock reads.

The gate thinks in the customer's wall clock ("08:00 local", "the local calendar day") but stores and
returns UTC instants. Converting a wall time to an instant is ambiguous twice a year: in the spring gap
02:30 does not exist, in the autumn fold 01:30 happens twice. ``first_instant_at_or_after`` answers the
one question the gate needs — the earliest instant at which the local clock reads a given wall time or
later — which is well defined in both cases.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from debt_collections.policies.packs import get_pack

__all__ = [
    "customer_zone",
    "first_instant_at_or_after",
    "local_wall",
    "offset_changes",
    "resolve_zone",
    "to_utc",
]

_RESOLUTION = timedelta(microseconds=1)


def resolve_zone(name: str, fallback: str) -> ZoneInfo:
    """``ZoneInfo(name)``, or the fallback zone when ``name`` is empty.

    Raises ``zoneinfo.ZoneInfoNotFoundError`` (a KeyError) for an unknown name: a customer with a
    misspelt zone must not be called at a guessed local time.
    """
    return ZoneInfo(name or fallback)


class ZonedCustomer(Protocol):
    """What ``customer_zone`` reads: a ``Customer`` row, or anything with the same two fields."""

    @property
    def time_zone(self) -> str: ...

    @property
    def jurisdiction(self) -> str: ...


def customer_zone(customer: ZonedCustomer) -> ZoneInfo:
    """The customer's time zone, by the one rule every page, notice and service uses: the customer's own
    zone, else the default zone of their jurisdiction's policy pack.

    Raises ``zoneinfo.ZoneInfoNotFoundError`` for an unknown zone name and ``UnknownPolicyPack`` for an
    unknown jurisdiction (both ``KeyError``): a local time is never guessed.
    """
    return resolve_zone(customer.time_zone, get_pack(customer.jurisdiction).timezone_default)


def to_utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)


def local_wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive local wall-clock reading of an aware ``instant`` in ``zone``."""
    return instant.astimezone(zone).replace(tzinfo=None)


def first_instant_at_or_after(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The earliest UTC instant whose local wall clock in ``zone`` reads ``day`` ``at`` or later.

    * ordinary time: that instant;
    * autumn fold (the time happens twice): the first occurrence;
    * spring gap (the time never happens): the transition instant, when the clock jumps past it.
    """
    target = datetime.combine(day, at)
    first = target.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = target.replace(tzinfo=zone, fold=1).astimezone(UTC)
    lo, hi = min(first, second), max(first, second)
    if local_wall(lo, zone) == target:
        return lo
    # In a gap the two readings straddle the transition: the wall clock is below the target at ``lo``
    # and above it at ``hi``, and only rises in between (one transition), so bisection finds the jump.
    while hi - lo > _RESOLUTION:
        mid = lo + (hi - lo) / 2
        if local_wall(mid, zone) >= target:
            hi = mid
        else:
            lo = mid
    return hi


def _offset(instant: datetime, zone: ZoneInfo) -> timedelta | None:
    return instant.astimezone(zone).utcoffset()


def offset_changes(day: date, zone: ZoneInfo) -> list[datetime]:
    """UTC instants during local ``day`` at which the zone's UTC offset changes (DST transitions).

    Assumes at most one transition per day, which holds for every zone in the IANA database.
    """
    lo = first_instant_at_or_after(day, time(0), zone)
    hi = first_instant_at_or_after(day + timedelta(days=1), time(0), zone)
    if _offset(lo, zone) == _offset(hi, zone):
        return []
    before = _offset(lo, zone)
    while hi - lo > _RESOLUTION:
        mid = lo + (hi - lo) / 2
        if _offset(mid, zone) == before:
            lo = mid
        else:
            hi = mid
    return [hi]
