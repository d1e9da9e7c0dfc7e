"""The daily cycle's marks (``models.CycleMark``): when a step last completed for a date and account range.

A step reads its mark before it looks for candidates: none means the first run of the date (every
candidate of the date, as always); a mark at ``at`` means only rows touched since ``at`` can have become
candidates. It sets the mark at its end (in the transaction of its last write where it has one), so a
step that failed half-way has no mark and is run in full again.
"""

from __future__ import annotations

from datetime import date, datetime

from debt_collections.models import CycleMark


def mark_of(step: str, *, as_of: date, lo: int | None, hi: int | None) -> datetime | None:
    """When ``step`` last completed for ``as_of`` over exactly ``lo``..``hi`` (None: never, or no range)."""
    if lo is None or hi is None:
        return None
    return CycleMark.objects.filter(step=step, as_of=as_of, lo=lo, hi=hi).values_list("at", flat=True).first()


def mark_before(step: str, *, as_of: date, lo: int | None, hi: int | None) -> tuple[date, datetime] | None:
    """The latest mark of ``step`` over exactly ``lo``..``hi`` for a date before ``as_of``: (date, at)."""
    if lo is None or hi is None:
        return None
    return (
        CycleMark.objects.filter(step=step, lo=lo, hi=hi, as_of__lt=as_of)
        .order_by("-as_of")
        .values_list("as_of", "at")
        .first()
    )


def mark_done(step: str, *, as_of: date, lo: int | None, hi: int | None, now: datetime) -> None:
    """Record that ``step`` completed for ``as_of`` over ``lo``..``hi`` at ``now`` (never moves back)."""
    if lo is None or hi is None:
        return
    mark, created = CycleMark.objects.get_or_create(
        step=step, as_of=as_of, lo=lo, hi=hi, defaults={"at": now}
    )
    if not created and now > mark.at:
        CycleMark.objects.filter(pk=mark.pk, at__lt=now).update(at=now)
