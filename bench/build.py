"""Bench data written with PostgreSQL ``COPY``: N accounts as yesterday's cycle left them.

Every customer has one verified phone and one account; 70% of accounts are delinquent, 1..400 days past
due as of yesterday, each with its case in the state yesterday's cycle left it (early below 15 days,
active up to 180, charged off from 180, the account charged off with it) and the highest ladder notice it
reached recorded as sent; pre-notices have their credit-report record (delivered, reported once
eligible). Rows get their ids here (the tables are empty) and the sequences are set afterwards.

Columns this builder does not name (added by later migrations) get their model default, so a new column
with a default does not break the bench.
"""

from __future__ import annotations

import json
import multiprocessing
import random
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection, connections, models

from accounts.models import ContactPoint, CreditAccount, Customer
from debt_collections.cycle import ESCALATE_AT_DPD
from debt_collections.models import CollectionCase, CreditReportNotice
from debt_collections.policies import get_pack
from notifications.models import Notice, NoticeTemplate

BATCH = 50_000


class _Copier:
    """One ``COPY`` per table: rows given as dicts of column values, other columns from model defaults."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        fields = [f for f in model._meta.local_concrete_fields if not f.generated]
        self.named = list(columns)
        self.defaults: list[tuple[str, Any]] = []
        for f in fields:
            if f.column in self.named:
                continue
            if not f.has_default() and not f.null and not getattr(f, "auto_now", False):
                if f.blank or isinstance(f, models.CharField | models.TextField):
                    self.defaults.append((f.column, ""))
                    continue
                raise TypeError(f"bench builder: {model._meta.label}.{f.name} needs a value")
            value = f.get_default() if f.has_default() else None
            if isinstance(f, models.JSONField):
                value = json.dumps(value)
            elif isinstance(value, models.Choices):
                value = value.value
            self.defaults.append((f.column, value))
        self.columns = self.named + [c for c, _ in self.defaults]
        self.tail = tuple(v for _, v in self.defaults)

    def copy(self, rows: Iterable[tuple[Any, ...]]) -> int:
        """One ``COPY`` of ``rows`` in PostgreSQL's text format, formatted here (every value the builder
        writes is a number, a date, a time or plain text without tabs, newlines or backslashes):
        several times faster than adapting each value."""
        table = self.model._meta.db_table
        quote = connection.ops.quote_name
        tail = "".join("\t" + _text(v) for v in self.tail)
        lines = ["\t".join(_text(v) for v in row) + tail + "\n" for row in rows]
        if not lines:
            return 0
        with connection.cursor() as cursor:
            cols = ", ".join(quote(c) for c in self.columns)
            with cursor.cursor.copy(f"COPY {quote(table)} ({cols}) FROM STDIN") as copy:
                copy.write("".join(lines).encode())
        return len(lines)


def _text(value: Any) -> str:
    return "\\N" if value is None else str(value)


def _reset_sequences(models_: Iterable[type[models.Model]]) -> None:
    with connection.cursor() as cursor:
        for model in models_:
            table = model._meta.db_table
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 1))",  # noqa: S608 (a model's table name)
                [table],
            )


def build(
    *, n: int, as_of: date, progress: Callable[[str], None] | None = None, processes: int = 2
) -> dict[str, int]:
    """N customers, points and accounts as ``as_of``'s cycle left them (see the module docstring).

    Batches of ``BATCH`` accounts are independent (every id derives from the account's: its customer,
    phone, case, notice and record share it), so ``processes`` forked processes load them side by
    side, each on its own connection: one formats rows while PostgreSQL stores the other's.
    """
    if connection.vendor != "postgresql":
        raise RuntimeError("the bench builds its data with COPY: set DATABASE_URL to PostgreSQL")
    templates = {
        t.key: t.pk for t in NoticeTemplate.objects.filter(channel="sms", locale="zh-hans", status="approved")
    }
    starts = list(range(1, n + 1, BATCH))
    made = {"customers": 0, "cases": 0, "notices": 0, "credit_records": 0}
    connections.close_all()  # a forked child must not share this process's socket
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        jobs = [
            pool.apply_async(_batch, (start, min(start + BATCH, n + 1), as_of, templates)) for start in starts
        ]
        for job in jobs:
            for key, value in job.get().items():
                made[key] += value
            if progress is not None:
                progress(f"  {made['customers']:,} accounts")
    _reset_sequences([Customer, ContactPoint, CreditAccount, CollectionCase, Notice, CreditReportNotice])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return made


def _batch(start: int, stop: int, as_of: date, templates: dict[str, int]) -> dict[str, int]:
    """Accounts ``start``..``stop - 1`` and everything that hangs off them, in one forked process."""
    try:
        return _load(start, stop, as_of, templates)
    finally:
        connections.close_all()


def _load(start: int, stop: int, as_of: date, templates: dict[str, int]) -> dict[str, int]:
    rng = random.Random(start)  # noqa: S311  (bench data, not security)
    pack = get_pack("CN", as_of)
    charge_off = pack.charge_off_dpd
    now = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC)
    customers = _Copier(
        Customer,
        ["id", "full_name", "national_id_last4", "national_id_hash", "date_of_birth", "locale",
         "time_zone", "jurisdiction", "created_at"],
    )  # fmt: skip
    points = _Copier(
        ContactPoint,
        ["id", "customer_id", "kind", "phone", "email", "postal_address", "status", "consent_at",
         "verified_at", "created_at"],
    )  # fmt: skip
    accounts = _Copier(
        CreditAccount,
        ["id", "customer_id", "account_number", "product", "currency", "credit_limit", "principal",
         "interest", "fees", "penalty_interest", "due_date", "days_past_due", "status", "opened_at",
         "dpd_on"],
    )  # fmt: skip
    cases = _Copier(
        CollectionCase,
        ["id", "account_id", "customer_id", "state", "hold_reason", "resume_state", "close_reason",
         "opened_at", "updated_at"],
    )  # fmt: skip
    notices = _Copier(
        Notice,
        ["id", "case_id", "template_id", "contact_point_id", "channel", "recipient", "subject", "body",
         "body_hash", "due_date", "idempotency_key", "status", "decision", "queued_at", "claimed_at",
         "sent_at", "queued_by", "purpose", "provider_reference", "last_error"],
    )  # fmt: skip
    records = _Copier(
        CreditReportNotice,
        ["id", "case_id", "account_id", "pre_notice_id", "channel", "policy_version", "prenotice_days",
         "created_at", "sent_at", "delivered_at", "eligible_at", "reported_at", "status",
         "suppressed_reason"],
    )  # fmt: skip
    with connection.cursor() as cursor:
        # A bulk load of rows consistent by construction: no foreign-key trigger per row (replica role,
        # as pg_restore does), no wait for the WAL flush per batch. Both for this session only.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
    consent, verified = now - timedelta(days=30), now - timedelta(days=20)
    ids = range(start, stop)
    dpds = [rng.randint(1, 400) if rng.random() < 0.7 else 0 for _ in ids]
    customers.copy(
        (i, f"客户{i:07d}", "1234", "x", "1985-01-01", "zh-hans", "Asia/Shanghai", "CN", now) for i in ids
    )
    points.copy((i, i, "phone", f"+86139{i:08d}", "", "", "verified", consent, verified, now) for i in ids)
    account_rows = []
    case_rows = []
    notice_rows = []
    record_rows = []
    for i, dpd in zip(ids, dpds, strict=True):
        due = as_of - timedelta(days=dpd) if dpd else as_of + timedelta(days=rng.randint(0, 25))
        status = "current" if not dpd else "charged_off" if dpd >= charge_off else "delinquent"
        account_rows.append(
            (i, i, f"B{i:09d}", "信用卡", "CNY", 20000, rng.randint(500, 20000), "120.50", 50, "30.25",
             due, dpd, status, "2024-01-01", as_of)
        )  # fmt: skip
        if not dpd:
            continue
        state = "charged_off" if dpd >= charge_off else "active" if dpd >= ESCALATE_AT_DPD else "early"
        opened = now - timedelta(days=dpd)
        case_rows.append((i, i, i, state, "", "", "", opened, opened))
        reached = [(d, k) for d, k in pack.reminder_ladder if dpd >= d]
        if not reached or state == "charged_off":
            continue
        threshold, key = reached[-1]
        rung_date = due + timedelta(days=threshold)
        # Queued by the cycle of the day the rung came due and sent within the hour, as a running system
        # has them (all of them "3 days ago" made every recent-notice query read the whole outbox).
        sent = min(datetime.combine(rung_date, time(1, 0), tzinfo=UTC), now - timedelta(hours=1))
        notice_rows.append(
            (i, i, templates[key], i, "sms", f"+86139{i:08d}", "", "(bench)", "0" * 64, rung_date,
             f"{i}:{key}:{i}:{rung_date.isoformat()}", "sent", '{"allowed": true}', sent, sent, sent, "bench",
             f"ladder:{key}", "", "")
        )  # fmt: skip
        if key == "credit_report.pre_notice":
            at = datetime.combine(rung_date, datetime.min.time(), tzinfo=UTC)
            eligible = at + timedelta(days=pack.credit_report_prenotice_days)
            reported = eligible < now
            record_rows.append(
                (i, i, i, i, "sms", pack.version, pack.credit_report_prenotice_days, at, at, at, eligible,
                 eligible + timedelta(days=1) if reported else None, "reported" if reported else "pending",
                 "")
            )  # fmt: skip
    accounts.copy(account_rows)
    return {
        "customers": len(ids),
        "cases": cases.copy(case_rows),
        "notices": notices.copy(notice_rows),
        "credit_records": records.copy(record_rows),
    }
