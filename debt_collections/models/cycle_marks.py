"""Where the daily cycle got to: one row per step, date and account range it completed."""

from __future__ import annotations

from django.db import models


class CycleMark(models.Model):
    """The daily cycle's ``step`` ran for ``as_of`` over the accounts ``lo``..``hi`` at ``at`` (its ``now``).

    A later run of the step for the same date and range (a second run, a retried chunk) looks only at what
    was touched since ``at``: what the first run saw is already done, and everything that decides a
    step's candidates for one date is fixed for that date except what people change in between. So a
    second run costs the changes in between, not the book. Written only by ``kernel.cycle_marks``.
    """

    step = models.CharField(max_length=32)
    as_of = models.DateField()
    lo = models.BigIntegerField()
    hi = models.BigIntegerField()
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["step", "as_of", "lo", "hi"], name="cycle_mark_once_per_range"),
        ]

    def __str__(self) -> str:
        return f"{self.step} for {self.as_of}, accounts {self.lo}..{self.hi}, at {self.at:%Y-%m-%d %H:%M}"
