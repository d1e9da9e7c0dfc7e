"""Outcome reports: disputes and complaints against their SLA, waivers by requester, plan rates."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum

from compliance.charts import Chart, Series
from compliance.reports.base import (
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    PURPLE,
    VERMILION,
    Cell,
    Report,
    ReportFilters,
    by_label,
    percent,
    scoped,
)
from debt_collections.models import Dispute, FeeWaiver, PlanState, RepaymentPlan, WaiverState

# --- (b) disputes and complaints by type, SLA met / breached ---------------------------------------


def disputes(filters: ReportFilters, now: datetime) -> Report:
    qs = scoped(
        Dispute.objects.all(),
        filters,
        at="opened_at",
        agency="case__agency_id",
        pack="case__customer__jurisdiction",
        agent=lambda uid: Q(case__assignee_id=uid),
    )
    stats = {
        row["kind"]: row
        for row in qs.values("kind")
        .annotate(
            opened=Count("id"),
            met=Count("id", filter=Q(resolved_at__isnull=False, resolved_at__lte=F("sla_due_at"))),
            late=Count("id", filter=Q(resolved_at__isnull=False, resolved_at__gt=F("sla_due_at"))),
            open_ok=Count("id", filter=Q(resolved_at__isnull=True, sla_due_at__gte=now)),
            open_late=Count("id", filter=Q(resolved_at__isnull=True, sla_due_at__lt=now)),
        )
        .order_by()
    }
    labels = dict(Dispute.Kind.choices)
    rows: list[tuple[Cell, ...]] = []
    kinds = list(Dispute.Kind.values)
    met, breached_all, open_ok = [], [], []
    for kind in kinds:
        s = stats.get(kind, {"opened": 0, "met": 0, "late": 0, "open_ok": 0, "open_late": 0})
        breached = s["late"] + s["open_late"]
        met.append(s["met"])
        breached_all.append(breached)
        open_ok.append(s["open_ok"])
        rows.append(
            (
                str(labels[kind]),
                s["opened"],
                s["met"],
                s["late"],
                s["open_ok"],
                s["open_late"],
                percent(s["met"], s["met"] + breached),
            )
        )
    names = tuple(str(labels[k]) for k in kinds)
    return Report(
        slug="disputes",
        title="Disputes and complaints by type, with the SLA met or breached",
        columns=(
            "Type",
            "Opened",
            "Resolved within SLA",
            "Resolved late",
            "Open, within SLA",
            "Open, past SLA",
            "SLA met %",
        ),
        rows=rows,
        chart=Chart(
            title="Disputes and complaints by type and SLA outcome",
            categories=names,
            series=(
                Series("SLA met", tuple(met), GREEN),
                Series("SLA breached", tuple(breached_all), VERMILION),
                Series("Open, within SLA", tuple(open_ok), BLUE),
            ),
            x_label="Type",
            y_label="Disputes",
        ),
        notes=(
            "Disputes opened in the period. Breached = resolved after its SLA due time, or still open "
            "past it now. 'Complaint about collection conduct' is the complaint type.",
            "SLA met % = resolved within SLA ÷ (resolved within SLA + breached).",
        ),
    )


def cents(amount: Decimal) -> Decimal:
    """Two places, as stored: SQLite's SUM hands back ``Decimal("40")`` for 40.00."""
    return amount.quantize(Decimal("0.01"))


# --- (c) waivers by agent and amount --------------------------------------------------------------

CUSTOMER_REQUESTS = "customer (negotiation page)"


def _requester(username: str | None, label: str) -> str:
    if username:
        return username
    if label.startswith("link:"):
        return CUSTOMER_REQUESTS
    return label


def waivers(filters: ReportFilters, now: datetime) -> Report:
    qs = scoped(
        FeeWaiver.objects.all(),
        filters,
        at="requested_at",
        agency="case__agency_id",
        pack="case__customer__jurisdiction",
        agent=lambda uid: Q(requested_by_user_id=uid),
    )
    grouped = (
        qs.values("requested_by_user__username", "requested_by", "case__account__currency", "state")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by()
    )
    # (requester, currency) -> counters; amounts stay per currency (never summed across currencies).
    table: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {
            "n": 0,
            "applied": 0,
            "rejected": 0,
            "pending": 0,
            "asked": Decimal(0),
            "granted": Decimal(0),
        }
    )
    states: dict[str, Counter[str]] = defaultdict(Counter)
    for row in grouped:
        who = _requester(row["requested_by_user__username"], row["requested_by"])
        entry = table[(who, row["case__account__currency"])]
        amount = row["amount"] or Decimal(0)
        entry["n"] += row["n"]
        entry["asked"] += amount
        state = row["state"]
        if state == WaiverState.REQUESTED:
            entry["pending"] += row["n"]
        elif state == WaiverState.REJECTED:
            entry["rejected"] += row["n"]
        else:  # approved is applied in the same transaction; both count as granted
            entry["applied"] += row["n"]
            entry["granted"] += amount
        states[who][state] += row["n"]
    rows: list[tuple[Cell, ...]] = [
        (
            who,
            currency,
            e["n"],
            e["applied"],
            e["rejected"],
            e["pending"],
            cents(e["asked"]),
            cents(e["granted"]),
        )
        for (who, currency), e in sorted(table.items(), key=lambda item: (-item[1]["n"], item[0]))
    ]
    people = sorted(states, key=lambda who: (-sum(states[who].values()), who))
    series = (
        Series(
            "Applied",
            tuple(states[p][WaiverState.APPLIED] + states[p][WaiverState.APPROVED] for p in people),
            GREEN,
        ),
        Series("Rejected", tuple(states[p][WaiverState.REJECTED] for p in people), VERMILION),
        Series("Awaiting decision", tuple(states[p][WaiverState.REQUESTED] for p in people), ORANGE),
    )
    return Report(
        slug="waivers",
        title="Fee and interest waivers by requester and amount",
        columns=(
            "Requested by",
            "Currency",
            "Requests",
            "Applied",
            "Rejected",
            "Awaiting decision",
            "Amount requested",
            "Amount applied",
        ),
        rows=rows,
        chart=Chart(
            title="Waiver requests by requester and decision",
            categories=tuple(people),
            series=series,
            x_label="Requested by",
            y_label="Waiver requests",
        ),
        notes=(
            "Waivers requested in the period, by the agent who asked (customers' hardship requests from "
            "the negotiation page are grouped as one requester). Amounts are per currency.",
        ),
    )


# --- (d) plan take-up, completion and break rates ------------------------------------------------


def plans(filters: ReportFilters, now: datetime) -> Report:
    qs = scoped(
        RepaymentPlan.objects.all(),
        filters,
        at="offered_at",
        agency="case__agency_id",
        pack="case__customer__jurisdiction",
        agent=lambda uid: by_label(uid, "offered_by"),
    )
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in qs.values("kind", "state").annotate(n=Count("id")).order_by():
        counts[row["kind"]][row["state"]] += row["n"]
    labels = dict(RepaymentPlan.Kind.choices)
    kinds = list(RepaymentPlan.Kind.values)
    rows: list[tuple[Cell, ...]] = []
    outcome: dict[str, list[int]] = defaultdict(list)
    for kind in kinds:
        c = counts[kind]
        offered = sum(c.values())
        not_taken = c[PlanState.OFFERED] + c[PlanState.CANCELLED]
        accepted = offered - not_taken
        live = c[PlanState.ACCEPTED] + c[PlanState.ACTIVE]
        rows.append(
            (
                str(labels[kind]),
                offered,
                accepted,
                live,
                c[PlanState.COMPLETED],
                c[PlanState.BROKEN],
                c[PlanState.WITHDRAWN],
                percent(accepted, offered),
                percent(c[PlanState.COMPLETED], accepted),
                percent(c[PlanState.BROKEN], accepted),
            )
        )
        for name, value in (
            ("Completed", c[PlanState.COMPLETED]),
            ("Live", live),
            ("Broken", c[PlanState.BROKEN]),
            ("Withdrawn", c[PlanState.WITHDRAWN]),
            ("Not taken up", not_taken),
        ):
            outcome[name].append(value)
    colors = {
        "Completed": GREEN,
        "Live": BLUE,
        "Broken": VERMILION,
        "Withdrawn": PURPLE,
        "Not taken up": GREY,
    }
    return Report(
        slug="plans",
        title="Repayment plans: take-up, completion and break rates",
        columns=(
            "Kind",
            "Offered",
            "Accepted",
            "Live",
            "Completed",
            "Broken",
            "Withdrawn",
            "Take-up %",
            "Completion %",
            "Break %",
        ),
        rows=rows,
        chart=Chart(
            title="Repayment plans by kind and outcome",
            categories=tuple(str(labels[k]) for k in kinds),
            series=tuple(Series(name, tuple(values), colors[name]) for name, values in outcome.items()),
            x_label="Plan kind",
            y_label="Plans",
        ),
        notes=(
            "Plans offered in the period (an option the customer accepted directly counts as offered and "
            "accepted). Accepted = every plan that was accepted, whatever happened next.",
            "Take-up % = accepted ÷ offered; completion % and break % are of accepted plans.",
        ),
    )
