"""Month-end delinquency snapshots (issue 14): one row per account and month with its days-past-due
bucket, kept current by the daily cycle during the month (so after the last day it holds the month-end
state). Roll and cure rates compare two months' rows; nothing else is needed from history."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import CreditAccount, money_field

# Days-past-due buckets, in order (lower bound inclusive). "current" is 0 days past due.
BUCKETS: tuple[tuple[str, int], ...] = (
    ("current", 0),
    ("1-30", 1),
    ("31-60", 31),
    ("61-90", 61),
    ("91-180", 91),
    ("180+", 181),
)
BUCKET_NAMES: tuple[str, ...] = tuple(name for name, _low in BUCKETS)


def bucket_of(days_past_due: int) -> str:
    found = BUCKETS[0][0]
    for name, low in BUCKETS:
        if days_past_due >= low:
            found = name
    return found


class DelinquencySnapshot(models.Model):
    account = models.ForeignKey(CreditAccount, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text=_("The first day of the month"))
    bucket = models.CharField(max_length=8)
    total_due = money_field()
    currency = models.CharField(max_length=3)

    class Meta:
        verbose_name = _("delinquency snapshot")
        verbose_name_plural = _("collections dashboard")
        constraints = [models.UniqueConstraint(fields=["account", "month"], name="one_snapshot_per_month")]
        indexes = [models.Index(fields=["month", "bucket"], name="snapshot_month_bucket")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.month:%Y-%m}: {self.bucket}"
