"""The cycle's month-end delinquency snapshot (issue 14): one set-based statement per chunk.

For every account in the chunk that is past due as of the date, or was in last month's snapshot (so its
cure is seen), the row for the date's month is inserted or updated with the account's days-past-due
bucket and balance, and only where they changed: a re-run for the same date writes nothing. After the
month's last daily run the row holds the month-end state that the roll and cure rates compare.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection, transaction

from accounts.models import CreditAccount
from debt_collections.models import DelinquencySnapshot
from debt_collections.models.snapshots import BUCKETS


def _dpd_sql() -> str:
    """Days past due on the date given twice: 0 when nothing is owed or nothing is due yet."""
    if connection.vendor == "postgresql":
        return (
            "CASE WHEN a.due_date IS NOT NULL AND a.due_date < %s::date AND (a.principal + a.interest + "
            "a.fees + a.penalty_interest) > 0 THEN (%s::date - a.due_date) ELSE 0 END"
        )
    return (
        "CASE WHEN a.due_date IS NOT NULL AND a.due_date < %s AND (a.principal + a.interest + a.fees + "
        "a.penalty_interest) > 0 THEN CAST(julianday(%s) - julianday(a.due_date) AS INTEGER) ELSE 0 END"
    )


def month_start(day: date) -> date:
    return day.replace(day=1)


def delinquency_snapshot_range(*, as_of: date, lo: int, hi: int) -> int:
    """Upsert this month's snapshot rows for accounts with ids in [lo, hi]; returns rows written."""
    month = month_start(as_of)
    previous = month_start(month - timedelta(days=1))
    dpd = _dpd_sql()
    # Buckets from the highest lower bound down: the first that matches wins.
    cases = " ".join(f"WHEN ({dpd}) >= {low} THEN '{name}'" for name, low in reversed(BUCKETS[1:]))
    bucket = f"CASE {cases} ELSE '{BUCKETS[0][0]}' END"
    table = DelinquencySnapshot._meta.db_table
    accounts = CreditAccount._meta.db_table
    total = "(a.principal + a.interest + a.fees + a.penalty_interest)"
    d = as_of.isoformat()
    sql = (
        f"INSERT INTO {table} (account_id, month, bucket, total_due, currency) "  # noqa: S608 (constants)
        f"SELECT a.id, %s, {bucket}, {total}, a.currency FROM {accounts} a "
        f"WHERE a.id BETWEEN %s AND %s AND (({dpd}) > 0 OR EXISTS (SELECT 1 FROM {table} p "
        "WHERE p.account_id = a.id AND p.month IN (%s, %s))) "
        "ON CONFLICT (account_id, month) DO UPDATE SET bucket = excluded.bucket, "
        f"total_due = excluded.total_due WHERE {table}.bucket <> excluded.bucket "
        f"OR {table}.total_due <> excluded.total_due"
    )
    bucket_params = [d, d] * (len(BUCKETS) - 1)
    params: list[str | int] = [
        month.isoformat(),
        *bucket_params,
        lo,
        hi,
        d,
        d,
        previous.isoformat(),
        month.isoformat(),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)
