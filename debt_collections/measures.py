"""The supervisor dashboard's measures (issue 14): reads only, each one a few aggregate queries (GROUP BY
in the database, never a loop over cases in Python), for one calendar month (UTC).

Every measure is a ``Table`` (title, a plain-words definition, columns, rows) so the page, the charts
and the CSV/XLSX exports show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from debt_collections.models import (
    ContactAttempt,
    DelinquencySnapshot,
    Dispute,
    Payment,
    PlanState,
    PromiseState,
    PromiseToPay,
    RepaymentPlan,
)
from debt_collections.models.snapshots import BUCKET_NAMES

Cell = str | int | Decimal | None


@dataclass(frozen=True)
class Table:
    slug: str
    title: str
    definition: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    nxt = (start + timedelta(days=32)).replace(day=1)
    return start, nxt


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.1"))


def transitions(month: date) -> dict[tuple[str, str], int]:
    """(bucket at the end of the previous month, bucket at the end of ``month``) → accounts. One query."""
    previous = DelinquencySnapshot.objects.filter(month=previous_month(month))
    counted = (
        DelinquencySnapshot.objects.filter(month=month.replace(day=1))
        .annotate(
            before=Subquery(previous.filter(account_id=OuterRef("account_id")).values("bucket")[:1]),
        )
        .exclude(before__isnull=True)
        .values("before", "bucket")
        .annotate(n=Count("pk"))
    )
    return {(r["before"], r["bucket"]): r["n"] for r in counted}


def roll_rates(month: date) -> Table:
    found = transitions(month)
    rows = []
    for i, before in enumerate(BUCKET_NAMES):
        total = sum(found.get((before, after), 0) for after in BUCKET_NAMES)
        worse = sum(found.get((before, after), 0) for after in BUCKET_NAMES[i + 1 :])
        counts = [found.get((before, after), 0) for after in BUCKET_NAMES]
        rows.append((before, total, *counts, rate(worse, total)))
    return Table(
        slug="roll-rates",
        title=str(_("Roll rates")),
        definition=str(
            _(
                "Of the accounts in each days-past-due bucket at the end of last month, how many are in each "
                "bucket at the end of this month. The roll rate is the share that moved to a worse bucket."
            )
        ),
        columns=(str(_("From bucket")), str(_("Accounts")), *BUCKET_NAMES, str(_("Roll rate %"))),
        rows=tuple(rows),
    )


def cure_rate(month: date) -> Table:
    found = transitions(month)
    delinquent = sum(n for (before, _after), n in found.items() if before != BUCKET_NAMES[0])
    cured = sum(
        n for (before, after), n in found.items() if before != BUCKET_NAMES[0] and after == BUCKET_NAMES[0]
    )
    return Table(
        slug="cure-rate",
        title=str(_("Cure rate")),
        definition=str(
            _(
                "Of the accounts past due at the end of last month, the share that owe nothing overdue at the end of this month."  # noqa: E501
            )
        ),
        columns=(str(_("Past due last month")), str(_("Cured")), str(_("Cure rate %"))),
        rows=((delinquent, cured, rate(cured, delinquent)),),
    )


def promise_kept(month: date) -> Table:
    start, end = month_bounds(month)
    counts = dict(
        PromiseToPay.objects.filter(
            decided_at__gte=start, decided_at__lt=end, state__in=[PromiseState.KEPT, PromiseState.BROKEN]
        )
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    kept, broken = counts.get(PromiseState.KEPT, 0), counts.get(PromiseState.BROKEN, 0)
    return Table(
        slug="promise-kept",
        title=str(_("Promise-kept rate")),
        definition=str(
            _(
                "Of the promises to pay decided this month, the share kept: paid in full by the promised date plus the grace days."  # noqa: E501
            )
        ),
        columns=(str(_("Kept")), str(_("Broken")), str(_("Kept %"))),
        rows=((kept, broken, rate(kept, kept + broken)),),
    )


def plan_kept(month: date) -> Table:
    start, end = month_bounds(month)
    counts = dict(
        RepaymentPlan.objects.filter(
            ended_at__gte=start, ended_at__lt=end, state__in=[PlanState.COMPLETED, PlanState.BROKEN]
        )
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    done, broken = counts.get(PlanState.COMPLETED, 0), counts.get(PlanState.BROKEN, 0)
    return Table(
        slug="plan-kept",
        title=str(_("Plan-kept rate")),
        definition=str(
            _("Of the repayment plans that ended this month, the share paid to the end rather than broken.")
        ),
        columns=(str(_("Completed")), str(_("Broken")), str(_("Kept %"))),
        rows=((done, broken, rate(done, done + broken)),),
    )


def collected(month: date) -> Table:
    start, end = month_bounds(month)
    rows = (
        Payment.objects.filter(received_at__gte=start, received_at__lt=end)
        .values("currency")
        .annotate(total=Sum("amount"), n=Count("pk"))
        .order_by("currency")
    )
    return Table(
        slug="collected",
        title=str(_("Amounts collected")),
        definition=str(
            _(
                "Every payment received this month, staff-recorded or paid from the customer's page, by currency."  # noqa: E501
            )
        ),
        columns=(str(_("Currency")), str(_("Payments")), str(_("Collected"))),
        rows=tuple((r["currency"], r["n"], Decimal(r["total"] or 0).quantize(Decimal("0.01"))) for r in rows),
    )


def _per(
    attempts: QuerySet[ContactAttempt],
    promises: QuerySet[PromiseToPay],
    payments: QuerySet[Payment],
    key: str,
    pkey: str,
    paykey: str,
) -> dict[object, list[int | Decimal]]:
    found: dict[object, list[int | Decimal]] = {}
    for r in attempts.values(key).annotate(n=Count("pk"), rpc=Count("pk", filter=Q(conversation=True))):
        found.setdefault(r[key], [0, 0, 0, Decimal(0)])[0:2] = [r["n"], r["rpc"]]
    for r in promises.values(pkey).annotate(n=Count("pk")):
        found.setdefault(r[pkey], [0, 0, 0, Decimal(0)])[2] = r["n"]
    for r in payments.values(paykey).annotate(total=Sum("amount")):
        found.setdefault(r[paykey], [0, 0, 0, Decimal(0)])[3] = Decimal(r["total"] or 0).quantize(
            Decimal("0.01")
        )
    return found


def productivity(month: date) -> Table:
    start, end = month_bounds(month)
    attempts = ContactAttempt.objects.filter(
        placed_at__gte=start,
        placed_at__lt=end,
        allowed=True,
        direction=ContactAttempt.Direction.OUTBOUND,
        agent__isnull=False,
    )
    promises = PromiseToPay.objects.filter(taken_at__gte=start, taken_at__lt=end, taken_by_user__isnull=False)
    payments = Payment.objects.filter(
        received_at__gte=start, received_at__lt=end, case__assignee__isnull=False
    )
    by_agent = _per(attempts, promises, payments, "agent", "taken_by_user", "case__assignee")
    by_agency = _per(
        attempts.filter(agency__isnull=False),
        promises.filter(case__agency__isnull=False),
        Payment.objects.filter(received_at__gte=start, received_at__lt=end, case__agency__isnull=False),
        "agency__name",
        "case__agency__name",
        "case__agency__name",
    )
    names: dict[object, str] = dict(
        User.objects.filter(pk__in=[k for k in by_agent if k is not None]).values_list("pk", "username")
    )
    rows: list[tuple[Cell, ...]] = []
    for pk, (n, rpc, promised, money) in sorted(by_agent.items(), key=lambda kv: names.get(kv[0], "")):
        rows.append((str(_("Agent")), names.get(pk) or str(pk), n, rpc, promised, money))
    for name, (n, rpc, promised, money) in sorted(by_agency.items(), key=lambda kv: str(kv[0])):
        rows.append((str(_("Agency")), str(name), n, rpc, promised, money))
    return Table(
        slug="productivity",
        title=str(_("Agent and agency productivity")),
        definition=str(
            _(
                "Calls placed (allowed by the gate), right-party contacts (a conversation with the customer), "  # noqa: E501
                "promises taken, and payments this month on the cases each agent is assigned to or each agency holds."  # noqa: E501
            )
        ),
        columns=(
            str(_("Who")),
            str(_("Name")),
            str(_("Calls")),
            str(_("Right-party contacts")),
            str(_("Promises")),
            str(_("Collected")),
        ),
        rows=tuple(rows),
    )


def gate_blocks(month: date) -> Table:
    """Grouped by the stored list of rules in SQL (few distinct lists), then counted per rule."""
    start, end = month_bounds(month)
    grouped = (
        ContactAttempt.objects.filter(placed_at__gte=start, placed_at__lt=end, allowed=False)
        .values("blocked_by")
        .annotate(n=Count("pk"))
    )
    per_rule: dict[str, int] = {}
    for row in grouped:
        for rule in row["blocked_by"] or []:
            per_rule[rule] = per_rule.get(rule, 0) + row["n"]
    return Table(
        slug="gate-blocks",
        title=str(_("Calls blocked by the compliance gate, by rule")),
        definition=str(
            _("Calls the gate refused this month; a call blocked by two rules counts under both.")
        ),
        columns=(str(_("Rule")), str(_("Blocked calls"))),
        rows=tuple((rule, n) for rule, n in sorted(per_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def disputes_sla(month: date, now: datetime) -> Table:
    start, end = month_bounds(month)
    open_ = Dispute.objects.filter(status=Dispute.Status.OPEN).aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(sla_due_at__lt=now)),
        soon=Count("pk", filter=Q(sla_due_at__gte=now, sla_due_at__lt=now + timedelta(days=3))),
    )
    closed = Dispute.objects.filter(resolved_at__gte=start, resolved_at__lt=end).aggregate(
        total=Count("pk"), late=Count("pk", filter=Q(resolved_at__gt=F("sla_due_at")))
    )
    return Table(
        slug="disputes",
        title=str(_("Disputes against their deadline")),
        definition=str(
            _(
                "Open disputes and complaints now, how many are past the answer deadline the policy sets and how "  # noqa: E501
                "many fall due within 3 days; and of those answered this month, how many were late."
            )
        ),
        columns=(
            str(_("Open")),
            str(_("Past deadline")),
            str(_("Due within 3 days")),
            str(_("Answered this month")),
            str(_("Answered late")),
        ),
        rows=((open_["total"], open_["overdue"], open_["soon"], closed["total"], closed["late"]),),
    )


def all_measures(month: date, now: datetime) -> list[Table]:
    return [
        roll_rates(month),
        cure_rate(month),
        promise_kept(month),
        plan_kept(month),
        collected(month),
        productivity(month),
        gate_blocks(month),
        disputes_sla(month, now),
    ]


__all__ = ["Table", "all_measures", "month_bounds", "previous_month", "transitions"]
