"""The daily collection cycle (DESIGN §11): deterministic for a date, safe to run twice, and its cost follows
the day's changes, not the size of the book.

Once per run (``cycle_start``), before any chunk:

1. Days past due and delinquency status written in one SQL statement for the accounts whose stored
   values reach a threshold that matters today (``accounts.models.DPD_THRESHOLDS``: a ladder rung,
   escalation, a credit-impact band, charge-off) or whose status changes. The database keeps each
   account's next such date in a generated, indexed column (``dpd_review_on``), so a day reads and
   writes those few percent of accounts and nothing else; ``CreditAccount.days_past_due_on(day)`` gives
   the exact number on any day in between.
2. Credit-limit changes whose notice period is over are applied (``credit.limits.limit_changes_apply_due``).

Then per chunk of account ids (``cycle_run_chunk``), each step finding its candidates through an index:

3. Cases opened for the accounts that became delinquent (written by step 1 for this date).
3. Transitions only for rows that change: escalation, charge-off, hold expiry; plans whose cooling-off
   ended become active, plans with an installment unpaid past the pack's grace break (``plan_cycle``).
4. The reminder ladder's due notices queued through the gate (idempotent per rung).
5. Credit reporting: pre-notices registered, their delivery recorded, corrections after upheld disputes,
   each record's status as of the date (``credit.reporting``; the feed export makes the reports).

The cycle runs one way, with one clock (``now`` read once and passed to every chunk) and one step order:
``cycle_run`` runs the chunks one after another in this process (SQLite, tests, eager Celery); the beat
task and ``run_collection_cycle --fan-out`` run ``cycle_start`` and then the same chunks as a Celery
group across workers, the one way to run them in parallel. A second run for the same date finds nothing
to do: no new rows and no new audit events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, CharField, Exists, F, Max, Min, OuterRef, Q, Value, When
from django.utils import timezone

from accounts.models import ContactPoint, CreditAccount
from debt_collections.errors import DomainError
from debt_collections.kernel.audit import Actor
from debt_collections.kernel.cycle_marks import mark_done, mark_of
from debt_collections.kernel.sealing import seal_after_commit
from debt_collections.models import TERMINAL, CaseState, CollectionCase
from debt_collections.policies import PACK_CODES, get_pack
from debt_collections.services import cases as case_services
from debt_collections.services import work_cycle  # issue 14: promises and the work queue

# [D] early → active once the account is this many days past due (the firm reminder rung).
ESCALATE_AT_DPD = 15
ACTOR = Actor.system("collection_cycle")
# The steps that look only at what changed since their last run for the same date (``CycleMark``).
OPEN_STEP = "open_cases"
TRANSITIONS_STEP = "transitions"
LADDER_STEP = "ladder"
# Account ids per chunk. Every step finds its candidates through an index, so a chunk costs what changes in
# it plus a fixed ~0.1 s of queries: wide chunks (a day at 1,000,000 accounts is 4 chunks for a group of
# workers to share; 10,000,000 is 40).
CHUNK_SIZE = 250_000


@dataclass
class CycleReport:
    as_of: date
    accounts_updated: int = 0
    cases_opened: int = 0
    escalated: int = 0
    charged_off: int = 0
    holds_released: int = 0
    plans_activated: int = 0
    plans_broken: int = 0
    notices_queued: int = 0
    notices_blocked: int = 0
    credit_reports_registered: int = 0
    credit_reports_delivered: int = 0
    credit_reports_eligible: int = 0
    credit_reports_suppressed: int = 0
    credit_reports_corrected: int = 0
    limit_changes_applied: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: CycleReport) -> None:
        for name in (
            "accounts_updated",
            "cases_opened",
            "escalated",
            "charged_off",
            "holds_released",
            "plans_activated",
            "plans_broken",
            "notices_queued",
            "notices_blocked",
            "credit_reports_registered",
            "credit_reports_delivered",
            "credit_reports_eligible",
            "credit_reports_suppressed",
            "credit_reports_corrected",
            "limit_changes_applied",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "accounts_updated": self.accounts_updated,
            "cases_opened": self.cases_opened,
            "escalated": self.escalated,
            "charged_off": self.charged_off,
            "holds_released": self.holds_released,
            "plans_activated": self.plans_activated,
            "plans_broken": self.plans_broken,
            "notices_queued": self.notices_queued,
            "notices_blocked": self.notices_blocked,
            "credit_reports_registered": self.credit_reports_registered,
            "credit_reports_delivered": self.credit_reports_delivered,
            "credit_reports_eligible": self.credit_reports_eligible,
            "credit_reports_suppressed": self.credit_reports_suppressed,
            "credit_reports_corrected": self.credit_reports_corrected,
            "limit_changes_applied": self.limit_changes_applied,
            "errors": self.errors,
        }


def chunks(model: type[CreditAccount] | type[CollectionCase], size: int) -> Iterator[tuple[int, int]]:
    """Inclusive primary-key ranges covering the table, ``size`` ids wide.

    The last range ends at the highest id, so accounts opened since a step's mark (they take the highest
    ids) make a new range without marks: the step reads that range in full, new accounts included."""
    bounds = model.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    lo, hi = bounds["lo"], bounds["hi"]
    if lo is None or hi is None:
        return
    start = lo
    while start <= hi:
        yield start, min(start + size - 1, hi)
        start += size


def _dpd_sql() -> str:
    """Days past due on the date given twice as parameters: 0 when nothing is owed or not yet due."""
    if connection.vendor == "postgresql":
        return (
            "CASE WHEN due_date IS NOT NULL AND due_date < %s::date AND (principal + interest + fees + "
            "penalty_interest) > 0 THEN (%s::date - due_date) ELSE 0 END"
        )
    return (
        "CASE WHEN due_date IS NOT NULL AND due_date < %s AND (principal + interest + fees + "
        "penalty_interest) > 0 THEN CAST(julianday(%s) - julianday(due_date) AS INTEGER) ELSE 0 END"
    )


def update_days_past_due(*, as_of: date) -> int:
    """Two UPDATEs for the whole book, of the accounts whose review date has come (``dpd_review_on``,
    indexed): days past due and status as of ``as_of`` where they change, and ``dpd_on = as_of`` on
    every account reviewed. Returns how many accounts' days past due or status changed.

    The generated review date moves to the next threshold with the row, so a re-run writes nothing.
    """
    table = CreditAccount._meta.db_table
    dpd = _dpd_sql()
    status = f"CASE WHEN {dpd} > 0 THEN %s ELSE %s END"
    due = "dpd_review_on <= %s AND status IN (%s, %s)"
    d = as_of.isoformat()
    statuses = [CreditAccount.Status.DELINQUENT, CreditAccount.Status.CURRENT]
    review = [d, CreditAccount.Status.CURRENT, CreditAccount.Status.DELINQUENT]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET days_past_due = {dpd}, status = {status}, dpd_on = %s "  # noqa: S608 (constants)
            f"WHERE {due} AND (days_past_due <> {dpd} OR status <> {status})",
            [d, d, d, d, *statuses, d, *review, d, d, d, d, *statuses],
        )
        changed = max(cursor.rowcount, 0)
        # Reviewed and unchanged (e.g. a new row no cycle computed yet): its review date moves on.
        cursor.execute(f"UPDATE {table} SET dpd_on = %s WHERE {due}", [d, *review])  # noqa: S608
    return changed


def cycle_start(*, as_of: date, now: datetime) -> CycleReport:
    """The steps that run once per run, before any chunk: days past due for the accounts that reach a
    threshold, then credit-limit changes whose notice period is over. Safe to repeat for a date."""
    from debt_collections.credit.limits import limit_changes_apply_due

    report = CycleReport(as_of=as_of)
    report.accounts_updated = update_days_past_due(as_of=as_of)
    limits = limit_changes_apply_due(now=now)
    report.limit_changes_applied = limits.applied
    report.errors.extend(limits.waiting)
    return report


def _open_cases(*, lo: int, hi: int, as_of: date, now: datetime, report: CycleReport) -> None:
    # Only the accounts written for this date (index on dpd_on): an account becomes delinquent on the day
    # its status changes, and a second run for the date finds their cases open. A later run for the date
    # (a mark) looks only at the accounts whose case changed since the first (one closed in between).
    open_case = CollectionCase.objects.filter(~Q(state__in=TERMINAL), account_id=OuterRef("pk"))
    accounts = CreditAccount.objects.filter(
        pk__gte=lo,
        pk__lte=hi,
        dpd_on=as_of,
        status=CreditAccount.Status.DELINQUENT,
        days_past_due__gt=0,
    )
    since = mark_of(OPEN_STEP, as_of=as_of, lo=lo, hi=hi)
    if since is not None:
        accounts = accounts.filter(
            pk__any=list(
                CollectionCase.objects.filter(
                    account_id__gte=lo, account_id__lte=hi, updated_at__gt=since
                ).values_list("account_id", flat=True)
            )
        )
    candidates = list(
        # per candidate, by the case index: not every open case in the chunk
        accounts.exclude(Exists(open_case)).values_list("pk", flat=True)
    )
    opened = case_services.case_open_many(
        account_ids=candidates, actor=ACTOR, now=now, reason="newly delinquent"
    )
    report.cases_opened += len(opened)
    mark_done(OPEN_STEP, as_of=as_of, lo=lo, hi=hi, now=now)


def _charge_off_filter(as_of: date) -> Q:
    """Accounts at or past their own pack's charge-off threshold (packs may differ by jurisdiction).

    Starts with a due-date bound the index on delinquent accounts' due dates answers: an account whose
    days past due were computed on or before ``as_of`` has ``due_date <= as_of - days_past_due``.
    """
    thresholds = {code: get_pack(code, as_of).charge_off_dpd for code in PACK_CODES}
    bound = Q(
        status=CreditAccount.Status.DELINQUENT, due_date__lte=as_of - timedelta(days=min(thresholds.values()))
    )
    if len(set(thresholds.values())) == 1:  # one threshold for every pack: no need to read the customer
        return bound & Q(days_past_due__gte=next(iter(thresholds.values())))
    condition = Q(pk__in=[])
    for code, threshold in thresholds.items():
        condition |= Q(customer__jurisdiction=code, days_past_due__gte=threshold)
    return bound & condition


def _transitions(*, lo: int, hi: int, as_of: date, now: datetime, report: CycleReport) -> None:
    in_range = CollectionCase.objects.filter(account_id__gte=lo, account_id__lte=hi)
    # A second run for the date: days past due are the date's already, so only a case whose state changed
    # since the first (index on updated_at) can have become due to escalate or charge off.
    since = mark_of(TRANSITIONS_STEP, as_of=as_of, lo=lo, hi=hi)
    changed = in_range if since is None else in_range.filter(updated_at__gt=since)
    # Early cases are the few opened in the last two weeks (index on state).
    to_escalate = list(
        changed.filter(state=CaseState.EARLY, account__days_past_due__gte=ESCALATE_AT_DPD)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    report.escalated += len(case_services.case_escalate_many(case_ids=to_escalate, actor=ACTOR, now=now))
    to_charge_off = list(
        CreditAccount.objects.filter(
            _charge_off_filter(as_of),
            pk__gte=lo,
            pk__lte=hi,
            cases__account_id__gte=lo,
            cases__account_id__lte=hi,
            cases__state=CaseState.ACTIVE,
            **({} if since is None else {"cases__updated_at__gt": since}),
        )
        .order_by("cases__id")
        .values_list("cases__id", flat=True)
    )
    report.charged_off += len(
        case_services.case_charge_off_many(case_ids=to_charge_off, actor=ACTOR, now=now)
    )
    # Only holds that have ended by the start of the cycle date (and by now): a hold ending later that
    # day still protects the customer today and is released by tomorrow's run. Deterministic per date.
    start_of_day = datetime.combine(as_of, time.min, tzinfo=UTC)
    for case_id in in_range.filter(
        state=CaseState.ON_HOLD, hold_until__isnull=False, hold_until__lte=min(now, start_of_day)
    ).values_list("pk", flat=True):
        try:
            case_services.case_release_expired_hold(case_id=case_id, actor=ACTOR, now=now)
            report.holds_released += 1
        except DomainError as exc:  # e.g. the dispute behind the hold is still open: it stays held
            report.errors.append(f"case {case_id}: {exc.message}")
    mark_done(TRANSITIONS_STEP, as_of=as_of, lo=lo, hi=hi, now=now)


def _best_point(points: list[ContactPoint]) -> tuple[ContactPoint | None, bool]:
    """The point to send the ladder's notice to, of a customer's verified and unverified points, and
    whether it is verified (else limited content)."""
    for kind in (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL, ContactPoint.Kind.POSTAL):
        for p in points:
            if p.kind == kind and p.status == ContactPoint.Status.VERIFIED:
                return p, True
    for p in points:
        if p.kind == ContactPoint.Kind.PHONE:
            return p, False
    return None, False


def _due_rung(ladder: list[tuple[int, str]], dpd: int, sent: set[str]) -> tuple[int, str] | None:
    """The ladder rung to send now, if any: the highest rung reached, unless it or a higher one was sent.

    Only the highest rung is ever sent, so a case that arrives at 45 days gets the 30-day notice, not
    three at once, and the lower rungs are never sent afterwards.
    """
    reached = [(d, k) for d, k in ladder if dpd >= d]
    if not reached:
        return None
    threshold, key = reached[-1]
    if any(f"ladder:{k}" in sent for d, k in ladder if d >= threshold):
        return None
    return threshold, key


def _queue_ladder_notices(*, lo: int, hi: int, as_of: date, now: datetime, report: CycleReport) -> None:
    from debt_collections.services.links import links_for_notices
    from notifications.models import Notice
    from notifications.services import NoticeRequest, notice_queue_many

    ladders = {code: list(get_pack(code, as_of).reminder_ladder) for code in PACK_CODES}
    # A rung is due only where something changed: an account that reached a threshold today (its days
    # past due were written for this date, index on dpd_on), or a case that changed state today
    # (escalated, released from a hold, a plan broken; index on updated_at). Of those, the database
    # picks the working cases whose highest rung reached has no notice yet.
    # A second run for the date (a mark): the accounts' days past due are the date's already, so only the
    # cases changed since the first run.
    since = mark_of(LADDER_STEP, as_of=as_of, lo=lo, hi=hi)
    start_of_day = datetime.combine(as_of, time.min, tzinfo=UTC)
    working = CollectionCase.objects.filter(
        account_id__gte=lo, account_id__lte=hi, state__in=[CaseState.EARLY, CaseState.ACTIVE]
    )
    if since is not None:
        changed = set(working.filter(updated_at__gt=since).values_list("pk", flat=True))
    else:
        changed = set(working.filter(account__dpd_on=as_of).values_list("pk", flat=True))
        changed |= set(working.filter(updated_at__gte=start_of_day).values_list("pk", flat=True))
    if not changed:
        mark_done(LADDER_STEP, as_of=as_of, lo=lo, hi=hi, now=now)
        return
    if len({tuple(ladder) for ladder in ladders.values()}) == 1:
        # Every pack has the same ladder (today's packs do): no need to look up each customer's pack.
        whens = [
            When(days_past_due__gte=days, then=Value(f"ladder:{key}"))
            for days, key in sorted(next(iter(ladders.values())), reverse=True)
        ]
    else:
        whens = [
            When(customer__jurisdiction=code, days_past_due__gte=days, then=Value(f"ladder:{key}"))
            for code in PACK_CODES
            for days, key in sorted(ladders[code], reverse=True)
        ]
    rows = list(
        CreditAccount.objects.filter(
            pk__gte=lo,
            pk__lte=hi,
            days_past_due__gt=0,
            due_date__isnull=False,
            cases__account_id__gte=lo,
            cases__account_id__lte=hi,
            cases__state__in=[CaseState.EARLY, CaseState.ACTIVE],
            cases__id__any=sorted(changed),
        )
        .annotate(rung=Case(*whens, default=Value(""), output_field=CharField()), open_case=F("cases__id"))
        .exclude(rung="")
        .exclude(Exists(Notice.objects.filter(case_id=OuterRef("open_case"), purpose=OuterRef("rung"))))
        .order_by()
        .values_list("open_case", "customer__jurisdiction", "days_past_due")
    )
    # A higher rung sent earlier (a case whose days past due went back down) also means nothing is due.
    sent: dict[int, set[str]] = {}
    for case_id, purpose in Notice.objects.filter(
        case_id__any=[r[0] for r in rows], purpose__startswith="ladder:"
    ).values_list("case_id", "purpose"):
        sent.setdefault(case_id, set()).add(purpose)
    due = {
        case_id: rung
        for case_id, code, dpd in rows
        if (rung := _due_rung(ladders[code], dpd, sent.get(case_id, set()))) is not None
    }
    cases = list(
        CollectionCase.objects.filter(pk__any=list(due)).select_related("account", "customer").order_by("pk")
    )
    # One query for the points of every customer (a prefetch costs a queryset per customer).
    points: dict[int, list[ContactPoint]] = {}
    for p in ContactPoint.objects.filter(
        customer_id__any={c.customer_id for c in cases},
        status__in=[ContactPoint.Status.VERIFIED, ContactPoint.Status.UNVERIFIED],
    ).order_by("customer_id", "kind", "pk"):
        points.setdefault(p.customer_id, []).append(p)
    requests = []
    for case in cases:
        threshold, key = due[case.pk]
        point, verified = _best_point(points.get(case.customer_id, []))
        if point is None or case.account.due_date is None:
            continue
        requests.append(
            NoticeRequest(
                case=case,
                # An unverified point gets the limited-content prompt instead: no amount, no creditor.
                template_key=key if verified else "contact.prompt",
                contact_point=point,
                due_date=case.account.due_date + timedelta(days=threshold),
                purpose=f"ladder:{key}",
                by_service=True,  # the ladder owes its rungs (the credit-report pre-notice among them)
            )
        )
    for notice in notice_queue_many(requests=requests, actor=ACTOR, now=now, links=links_for_notices):
        if notice.status == Notice.Status.BLOCKED:
            report.notices_blocked += 1
        else:
            report.notices_queued += 1
    mark_done(LADDER_STEP, as_of=as_of, lo=lo, hi=hi, now=now)


def cycle_run_chunk(*, as_of: date, lo: int, hi: int, now: datetime) -> CycleReport:
    """Run every per-account step for accounts with ids in [lo, hi], after ``cycle_start`` for the date.
    Each case change is its own transaction, so one failure does not undo the others; the next run picks
    up whatever is left."""
    report = CycleReport(as_of=as_of)
    _open_cases(lo=lo, hi=hi, as_of=as_of, now=now, report=report)
    # Plans before the other transitions: a plan broken today makes its case active, and charge-off must
    # judge that case in this run, not in a second run for the same date (which must change nothing).
    from debt_collections.services import plan_cycle

    activated = plan_cycle.plan_activate_after_cooling_off(as_of=as_of, now=now, lo=lo, hi=hi)
    broken = plan_cycle.plan_break_missed(as_of=as_of, now=now, lo=lo, hi=hi)
    report.plans_activated, report.plans_broken = activated.changed, broken.changed
    report.errors.extend([*activated.errors, *broken.errors])
    _transitions(lo=lo, hi=hi, as_of=as_of, now=now, report=report)
    _queue_ladder_notices(lo=lo, hi=hi, as_of=as_of, now=now, report=report)
    _credit_reporting(lo=lo, hi=hi, as_of=as_of, now=now, report=report)
    report.errors.extend(work_cycle.cycle_step(as_of=as_of, now=now, lo=lo, hi=hi))  # issue 14
    return report


def _credit_reporting(*, lo: int, hi: int, as_of: date, now: datetime, report: CycleReport) -> None:
    """Pre-notices registered and their delivery recorded, corrections after upheld disputes, and each
    record's reporting status as of the date (credit.reporting). The ladder above queues the
    ``credit_report.pre_notice`` rung itself; no report is made here (``export_bureau_feed`` does)."""
    from debt_collections.credit import reporting

    step = reporting.credit_report_cycle(as_of=as_of, now=now, lo=lo, hi=hi)
    report.credit_reports_registered += step.registered
    report.credit_reports_delivered += step.delivered
    report.credit_reports_eligible += step.eligible
    report.credit_reports_suppressed += step.suppressed
    report.credit_reports_corrected += step.corrected
    report.errors.extend(step.errors)


CHUNK_TASK = "debt_collections.run_cycle_chunk"  # debt_collections.tasks.run_cycle_chunk


def cycle_send_chunks(
    *, as_of: date, now: datetime, ranges: list[tuple[int, int]], run_id: int | None
) -> Any:
    """Send the chunks to the workers as a Celery group, after ``cycle_start`` for the date (the chunk
    task by name: the cycle does not import its entry points). Returns the group's result (``.get()``
    needs a result backend)."""
    from celery import group

    from config.celery import app

    if CHUNK_TASK not in app.tasks:
        app.loader.import_default_modules()
    jobs = [
        app.signature(CHUNK_TASK, args=(as_of.isoformat(), lo, hi, run_id, now.isoformat()))
        for lo, hi in ranges
    ]
    return group(jobs).apply_async()


def cycle_run(
    *,
    as_of: date,
    chunk_size: int = CHUNK_SIZE,
    now: datetime | None = None,
    progress: Callable[[int, int, CycleReport], None] | None = None,
) -> CycleReport:
    """Run the whole cycle in this process: ``cycle_start``, then the chunks one after another. Returns
    the summed report. This is the in-process form of what the beat task fans out as a Celery group
    (the same steps in the same order with the same ``now``), used on SQLite, in tests and by the
    command without ``--fan-out``."""
    now = now or timezone.now()
    total = cycle_start(as_of=as_of, now=now)
    ranges = list(chunks(CreditAccount, chunk_size))
    for index, (lo, hi) in enumerate(ranges, start=1):
        total.add(cycle_run_chunk(as_of=as_of, lo=lo, hi=hi, now=now))
        if progress is not None:
            progress(index, len(ranges), total)
    # The day's events sealed in a signed checkpoint, once the work has committed.
    seal_after_commit(reason="cycle")
    return total
