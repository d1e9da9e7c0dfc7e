"""The daily collection cycle (DESIGN §11): deterministic for a date, safe to run twice.

1. Days past due recomputed set-based in SQL, writing only rows whose value changes.
2. Cases opened for newly delinquent accounts.
3. Transitions only for rows that change: escalation, charge-off, hold expiry; plans whose cooling-off
   ended become active, plans with an installment unpaid past the pack's grace break (``plan_cycle``).
4. The reminder ladder's due notices queued through the gate (idempotent per rung).
5. Credit reporting: pre-notices registered, their delivery recorded, corrections after upheld disputes,
   each record's status as of the date (``credit.reporting``; the feed export makes the reports).
6. Once per run (not per chunk): credit-limit changes whose notice period is over are applied
   (``credit.limits.limit_changes_apply_due``).

The work is split into primary-key ranges (``chunks``) so the same function runs in-process or as a
Celery group across many workers. A second run for the same date finds nothing to do: no new rows and
no new audit events.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Case, CharField, Exists, F, Max, Min, OuterRef, Q, Value, When
from django.utils import timezone

from accounts.models import ContactPoint, CreditAccount
from debt_collections.errors import DomainError
from debt_collections.kernel.audit import Actor
from debt_collections.models import TERMINAL, CaseState, CollectionCase
from debt_collections.policies import PACK_CODES, get_pack
from debt_collections.services import cases as case_services
from debt_collections.services import work_cycle  # issue 14: promises and the work queue

# [D] early → active once the account is this many days past due (the firm reminder rung).
ESCALATE_AT_DPD = 15
ACTOR = Actor.system("collection_cycle")
# Accounts per chunk. Each chunk costs a fixed ~0.15 s of query building besides its rows (measured on
# 100,000 accounts: 20 chunks took 10.5 s in one process, 5 chunks 7.1 s), so chunks are large; a Celery
# group or the worker processes still get several each once there are more than a few 100,000 accounts.
CHUNK_SIZE = 25_000


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
    """Inclusive primary-key ranges covering the table, ``size`` ids wide."""
    bounds = model.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    lo, hi = bounds["lo"], bounds["hi"]
    if lo is None or hi is None:
        return
    start = lo
    while start <= hi:
        yield start, min(start + size - 1, hi)
        start += size


def update_days_past_due(*, as_of: date, lo: int, hi: int) -> int:
    """One UPDATE per chunk: dpd = as_of − oldest unpaid due date (0 when nothing is owed or not yet due).

    Writes only rows whose days past due or status changes, so a re-run writes nothing.
    """
    table = CreditAccount._meta.db_table
    open_statuses = (CreditAccount.Status.CURRENT, CreditAccount.Status.DELINQUENT)
    if connection.vendor == "postgresql":
        dpd = (
            "CASE WHEN due_date IS NOT NULL AND due_date < %s::date AND (principal + interest + fees + "
            "penalty_interest) > 0 THEN (%s::date - due_date) ELSE 0 END"
        )
    else:
        dpd = (
            "CASE WHEN due_date IS NOT NULL AND due_date < %s AND (principal + interest + fees + "
            "penalty_interest) > 0 THEN CAST(julianday(%s) - julianday(due_date) AS INTEGER) ELSE 0 END"
        )
    sql = (
        f"UPDATE {table} SET days_past_due = {dpd}, "  # noqa: S608 (table and expression are constants)
        f"status = CASE WHEN {dpd} > 0 THEN %s ELSE %s END "
        f"WHERE id BETWEEN %s AND %s AND status IN (%s, %s) AND "
        f"(days_past_due <> {dpd} OR status <> CASE WHEN {dpd} > 0 THEN %s ELSE %s END)"
    )
    d = as_of.isoformat()
    params: list[str | int] = [
        d,
        d,
        d,
        d,
        CreditAccount.Status.DELINQUENT,
        CreditAccount.Status.CURRENT,
        lo,
        hi,
        *open_statuses,
        d,
        d,
        d,
        d,
        CreditAccount.Status.DELINQUENT,
        CreditAccount.Status.CURRENT,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _open_cases(*, lo: int, hi: int, now: datetime, report: CycleReport) -> None:
    # The anti-join looks only at this chunk's cases: every chunk scanning every open case made this step
    # cost as much as the days-past-due update.
    open_case = CollectionCase.objects.filter(
        ~Q(state__in=TERMINAL), account_id__gte=lo, account_id__lte=hi
    ).values("account_id")
    candidates = list(
        CreditAccount.objects.filter(
            pk__gte=lo, pk__lte=hi, status=CreditAccount.Status.DELINQUENT, days_past_due__gt=0
        )
        .exclude(pk__in=open_case)
        .values_list("pk", flat=True)
    )
    opened = case_services.case_open_many(
        account_ids=candidates, actor=ACTOR, now=now, reason="newly delinquent"
    )
    report.cases_opened += len(opened)


def _charge_off_filter(as_of: date) -> Q:
    """Accounts at or past their own pack's charge-off threshold (packs may differ by jurisdiction)."""
    thresholds = {code: get_pack(code, as_of).charge_off_dpd for code in PACK_CODES}
    if len(set(thresholds.values())) == 1:  # one threshold for every pack: no need to read the customer
        return Q(days_past_due__gte=next(iter(thresholds.values())))
    condition = Q(pk__in=[])
    for code, threshold in thresholds.items():
        condition |= Q(customer__jurisdiction=code, days_past_due__gte=threshold)
    return condition


def _open_case_ids(*, lo: int, hi: int, state: str, accounts: Q) -> list[int]:
    """Ids of the cases in ``state`` whose accounts (ids ``lo``..``hi``) match ``accounts``. Starts from
    the accounts and bounds both tables by the chunk, so each chunk reads only its own rows."""
    return list(
        CreditAccount.objects.filter(
            accounts,
            pk__gte=lo,
            pk__lte=hi,
            cases__account_id__gte=lo,
            cases__account_id__lte=hi,
            cases__state=state,
        )
        .order_by("cases__id")
        .values_list("cases__id", flat=True)
    )


def _transitions(*, lo: int, hi: int, as_of: date, now: datetime, report: CycleReport) -> None:
    in_range = CollectionCase.objects.filter(account_id__gte=lo, account_id__lte=hi)
    to_escalate = _open_case_ids(
        lo=lo, hi=hi, state=CaseState.EARLY, accounts=Q(days_past_due__gte=ESCALATE_AT_DPD)
    )
    report.escalated += len(case_services.case_escalate_many(case_ids=to_escalate, actor=ACTOR, now=now))
    to_charge_off = _open_case_ids(lo=lo, hi=hi, state=CaseState.ACTIVE, accounts=_charge_off_filter(as_of))
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
    from notifications.models import Notice
    from notifications.services import NoticeRequest, notice_queue_many

    ladders = {code: list(get_pack(code, as_of).reminder_ladder) for code in PACK_CODES}
    # The database picks the candidates: working cases whose highest rung reached has no notice yet.
    # In a steady state that is the few hundred cases that crossed a rung since yesterday (plus any that
    # could not be sent one), not every delinquent case with its whole notice history. The query starts
    # from the accounts and bounds both tables by the chunk, so each chunk reads only its own rows.
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
        case_id__in=[r[0] for r in rows], purpose__startswith="ladder:"
    ).values_list("case_id", "purpose"):
        sent.setdefault(case_id, set()).add(purpose)
    due = {
        case_id: rung
        for case_id, code, dpd in rows
        if (rung := _due_rung(ladders[code], dpd, sent.get(case_id, set()))) is not None
    }
    cases = list(
        CollectionCase.objects.filter(pk__in=list(due)).select_related("account", "customer").order_by("pk")
    )
    # One query for the points of every customer (a prefetch costs a queryset per customer).
    points: dict[int, list[ContactPoint]] = {}
    for p in ContactPoint.objects.filter(
        customer_id__in={c.customer_id for c in cases},
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
            )
        )
    for notice in notice_queue_many(requests=requests, actor=ACTOR, now=now):
        if notice.status == Notice.Status.BLOCKED:
            report.notices_blocked += 1
        else:
            report.notices_queued += 1


def cycle_run_chunk(*, as_of: date, lo: int, hi: int, now: datetime | None = None) -> CycleReport:
    """Run every step for accounts with ids in [lo, hi]. Each case change is its own transaction, so one
    failure does not undo the others; the next run picks up whatever is left."""
    now = now or timezone.now()
    report = CycleReport(as_of=as_of)
    with transaction.atomic():
        report.accounts_updated = update_days_past_due(as_of=as_of, lo=lo, hi=hi)
    _open_cases(lo=lo, hi=hi, now=now, report=report)
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


def _chunk_in_process(as_of: date, lo: int, hi: int, now: datetime) -> CycleReport:
    """One chunk in a worker process, on a connection of its own, closed afterwards."""
    try:
        return cycle_run_chunk(as_of=as_of, lo=lo, hi=hi, now=now)
    finally:
        connections.close_all()


def cycle_workers(requested: int | None = None) -> int:
    """How many chunks ``cycle_run`` works on at once.

    One on SQLite (a single writer at a time), inside a caller's transaction (workers have their own
    connections and would not see its uncommitted rows), where processes cannot be forked and in a
    daemonic process (a Celery worker's child); otherwise ``requested``, else ``settings.CYCLE_WORKERS``.
    """
    if (
        connection.vendor != "postgresql"
        or connection.in_atomic_block
        or "fork" not in multiprocessing.get_all_start_methods()
        # A daemonic process (a Celery prefork child) may not start processes of its own.
        or multiprocessing.current_process().daemon
    ):
        return 1
    return max(1, requested if requested is not None else settings.CYCLE_WORKERS)


def cycle_run(
    *,
    as_of: date,
    chunk_size: int = CHUNK_SIZE,
    now: datetime | None = None,
    progress: Callable[[int, int, CycleReport], None] | None = None,
    workers: int | None = None,
) -> CycleReport:
    """Run the whole cycle from this process, chunk by chunk. Returns the summed report.

    With more than one worker (``cycle_workers``), that many chunks run at once in forked worker
    processes, as a Celery group of chunks runs them across workers: threads would share one
    interpreter lock, and most of a chunk's time is Python. Chunks are independent (disjoint accounts;
    every lock is taken in id order and the audit chain's head last), and the report is summed in
    chunk order either way.
    """
    now = now or timezone.now()
    total = CycleReport(as_of=as_of)
    ranges = list(chunks(CreditAccount, chunk_size))
    parallel = min(cycle_workers(workers), len(ranges))
    if parallel <= 1:
        for index, (lo, hi) in enumerate(ranges, start=1):
            total.add(cycle_run_chunk(as_of=as_of, lo=lo, hi=hi, now=now))
            if progress is not None:
                progress(index, len(ranges), total)
    else:
        # A forked child must not share this process's database socket: close it; it reopens on use.
        connections.close_all()
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=parallel, mp_context=context) as pool:
            futures = [pool.submit(_chunk_in_process, as_of, lo, hi, now) for lo, hi in ranges]
            for index, future in enumerate(futures, start=1):
                total.add(future.result())
                if progress is not None:
                    progress(index, len(ranges), total)
    # Once per run, not per chunk: limit changes are few and not partitioned by account range.
    from debt_collections.credit.limits import limit_changes_apply_due

    limits = limit_changes_apply_due(now=now)
    total.limit_changes_applied = limits.applied
    total.errors.extend(limits.waiting)
    return total
