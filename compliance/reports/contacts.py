"""Contact reports: gate decisions per rule per week, notices by template, wrong-party reports."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate

from accounts.models import ContactPoint, QuarantinedContact
from compliance.charts import Chart, Series
from compliance.reports.base import (
    BLUE,
    GREEN,
    ORANGE,
    VERMILION,
    Cell,
    Report,
    ReportFilters,
    by_label,
    scoped,
    week_start,
    weeks,
)
from debt_collections.models import ContactAttempt
from debt_collections.policies import RULE_ORDER
from notifications.models import Notice

# --- (a) gate decisions per rule per week -----------------------------------------------------------


def gate_decisions(filters: ReportFilters, now: datetime) -> Report:
    attempts = scoped(
        ContactAttempt.objects.filter(direction=ContactAttempt.Direction.OUTBOUND),
        filters,
        at="placed_at",
        agency="agency_id",
        pack="customer__jurisdiction",
        agent=lambda uid: Q(agent_id=uid),
    )
    notices = scoped(
        Notice.objects.exclude(decision={}),
        filters,
        at="queued_at",
        agency="case__agency_id",
        pack="case__customer__jurisdiction",
        agent=lambda uid: by_label(uid, "queued_by"),
    )
    # (week, decision) -> [calls, notices]; a blocked decision counts once under each rule that blocked it.
    counts: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0])
    call_rows = (
        attempts.annotate(day=TruncDate("placed_at"))
        .values("day", "allowed", "blocked_by")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in call_rows:
        for decision in ["allowed"] if row["allowed"] else (row["blocked_by"] or ["(no rule)"]):
            counts[(week_start(row["day"]), decision)][0] += row["n"]
    notice_rows = (
        notices.annotate(day=TruncDate("queued_at"))
        .values("day", "decision__allowed", "decision__blocked_by")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in notice_rows:
        allowed = row["decision__allowed"] in (True, 1, "true")
        blocked = row["decision__blocked_by"] or []
        if isinstance(blocked, str):  # some backends hand the JSON array back as text
            blocked = json.loads(blocked)
        for decision in ["allowed"] if allowed else (blocked or ["(no rule)"]):
            counts[(week_start(row["day"]), decision)][1] += row["n"]

    order = ["allowed", *[str(r) for r in RULE_ORDER]]
    seen = {d for _w, d in counts}
    decisions = [d for d in order if d in seen] + sorted(seen - set(order))
    all_weeks = weeks(filters)
    rows: list[tuple[Cell, ...]] = []
    for week in all_weeks:
        for decision in decisions:
            calls, sent = counts.get((week, decision), [0, 0])
            if calls or sent:
                rows.append((week.isoformat(), decision, calls, sent, calls + sent))
    series = tuple(
        Series(
            "Allowed" if d == "allowed" else f"Blocked: {d}",
            tuple(sum(counts.get((w, d), [0, 0])) for w in all_weeks),
            GREEN if d == "allowed" else "",
        )
        for d in decisions
    )
    return Report(
        slug="gate-decisions",
        title="Contact decisions: allowed and blocked, per rule, per week",
        columns=("Week (Mon, UTC)", "Decision", "Calls", "Notices", "Total"),
        rows=rows,
        chart=Chart(
            title="Contact decisions per rule per week",
            categories=tuple(w.isoformat() for w in all_weeks),
            series=series,
            x_label="Week starting (UTC)",
            y_label="Decisions",
            colors={"Blocked: HOURS": ORANGE, "Blocked: WRONG_PARTY": VERMILION},
        ),
        notes=(
            "Calls are outbound contact attempts (the gate's decision stored on the attempt); notices are "
            "SMS, email and letters from the outbox (the gate's latest decision on the notice).",
            "A decision blocked by several rules counts once under each of them.",
        ),
    )


# --- (e) notices by template and channel ----------------------------------------------------------

NOTICE_STATUSES = (
    ("Sent", (Notice.Status.SENT,), GREEN),
    ("Pending", (Notice.Status.PENDING, Notice.Status.SENDING), BLUE),
    ("Blocked", (Notice.Status.BLOCKED,), ORANGE),
    ("Failed", (Notice.Status.FAILED,), VERMILION),
)


def notices(filters: ReportFilters, now: datetime) -> Report:
    qs = scoped(
        Notice.objects.all(),
        filters,
        at="queued_at",
        agency="case__agency_id",
        pack="case__customer__jurisdiction",
        agent=lambda uid: by_label(uid, "queued_by"),
    )
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for row in qs.values("template__key", "channel", "status").annotate(n=Count("id")).order_by():
        counts[(row["template__key"], row["channel"])][row["status"]] += row["n"]
    keys = sorted(counts, key=lambda k: (-sum(counts[k].values()), k))
    rows: list[tuple[Cell, ...]] = []
    for key in keys:
        c = counts[key]
        per = [sum(c[s] for s in statuses) for _n, statuses, _c in NOTICE_STATUSES]
        rows.append((key[0], key[1], *per, sum(c.values())))
    return Report(
        slug="notices",
        title="Notices by template and channel",
        columns=("Template", "Channel", *[name for name, _s, _c in NOTICE_STATUSES], "Total"),
        rows=rows,
        chart=Chart(
            title="Notices by template and channel",
            categories=tuple(f"{k} ({ch})" for k, ch in keys),
            series=tuple(
                Series(name, tuple(sum(counts[k][s] for s in statuses) for k in keys), color)
                for name, statuses, color in NOTICE_STATUSES
            ),
            x_label="Template (channel)",
            y_label="Notices",
        ),
        notes=("Notices queued in the period, by their status now.",),
    )


# --- (f) wrong-party reports and quarantined numbers ----------------------------------------------


def _quarantines(filters: ReportFilters) -> QuerySet[QuarantinedContact]:
    qs = QuarantinedContact.objects.all()
    if filters.pack:
        # Quarantine is by number, not by customer: keep numbers on file for someone in this pack.
        on_file = ContactPoint.objects.filter(customer__jurisdiction=filters.pack).filter(
            Q(phone=OuterRef("value")) | Q(email__iexact=OuterRef("value"))
        )
        qs = qs.filter(Exists(on_file))
    return qs


def wrong_party(filters: ReportFilters, now: datetime) -> Report:
    all_weeks = weeks(filters)
    known = _quarantines(filters).filter(reported_at__lt=filters.end)
    entries = list(known.values("reported_at", "lifted_at"))
    reported: Counter[date] = Counter()
    lifted: Counter[date] = Counter()
    for e in entries:
        if e["reported_at"] >= filters.start:
            reported[week_start(e["reported_at"].date())] += 1
        if e["lifted_at"] is not None and filters.start <= e["lifted_at"] < filters.end:
            lifted[week_start(e["lifted_at"].date())] += 1

    def active_at(moment: datetime) -> int:
        still = [e for e in entries if e["lifted_at"] is None or e["lifted_at"] >= moment]
        return sum(1 for e in still if e["reported_at"] < moment)

    blocked_calls: Counter[date] = Counter()
    attempts = scoped(
        ContactAttempt.objects.filter(allowed=False),
        filters,
        at="placed_at",
        agency="agency_id",
        pack="customer__jurisdiction",
        agent=lambda uid: Q(agent_id=uid),
    )
    call_rows = (
        attempts.annotate(day=TruncDate("placed_at")).values("day", "blocked_by").annotate(n=Count("id"))
    )
    for row in call_rows.order_by():
        if "WRONG_PARTY" in (row["blocked_by"] or []):
            blocked_calls[week_start(row["day"])] += row["n"]
    blocked_notices: Counter[date] = Counter()
    notice_qs = scoped(
        Notice.objects.filter(status=Notice.Status.BLOCKED),
        filters,
        at="queued_at",
        agency="case__agency_id",
        pack="case__customer__jurisdiction",
        agent=lambda uid: by_label(uid, "queued_by"),
    )
    for row in (
        notice_qs.annotate(day=TruncDate("queued_at"))
        .values("day", "decision__blocked_by")
        .annotate(n=Count("id"))
        .order_by()
    ):
        blocked = row["decision__blocked_by"] or []
        if isinstance(blocked, str):
            blocked = json.loads(blocked)
        if "WRONG_PARTY" in blocked:
            blocked_notices[week_start(row["day"])] += row["n"]

    rows: list[tuple[Cell, ...]] = []
    for week in all_weeks:
        week_end = min(datetime.combine(week + timedelta(days=7), time.min, tzinfo=UTC), filters.end)
        rows.append(
            (
                week.isoformat(),
                reported[week],
                lifted[week],
                active_at(week_end),
                blocked_calls[week],
                blocked_notices[week],
            )
        )
    active_now = _quarantines(filters).filter(lifted_at__isnull=True)
    phones = active_now.filter(kind=ContactPoint.Kind.PHONE).count()
    return Report(
        slug="wrong-party",
        title="Wrong-party reports and quarantined numbers",
        columns=(
            "Week (Mon, UTC)",
            "Wrong-party reports",
            "Quarantines lifted",
            "Quarantined at week end",
            "Calls blocked (WRONG_PARTY)",
            "Notices blocked (WRONG_PARTY)",
        ),
        rows=rows,
        chart=Chart(
            title="Wrong-party reports and lifted quarantines per week",
            categories=tuple(w.isoformat() for w in all_weeks),
            series=(
                Series("Wrong-party reports", tuple(reported[w] for w in all_weeks), VERMILION),
                Series("Quarantines lifted", tuple(lifted[w] for w in all_weeks), BLUE),
            ),
            x_label="Week starting (UTC)",
            y_label="Numbers",
            stacked=False,
        ),
        notes=(
            "A wrong-party report quarantines the number for every customer at once. The agency and agent "
            "filters apply to the blocked calls and notices only (a quarantine belongs to a number, not to "
            "an agency); the pack filter keeps numbers on file for a customer of that pack.",
        ),
        summary=(
            ("Numbers quarantined now", active_now.count()),
            ("of which phone numbers", phones),
        ),
    )
