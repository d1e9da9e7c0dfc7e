"""The work queue (issue 14): who to work next, whether they may be called now, and what to do.

One ``QueueEntry`` per workable case, recomputed in batches (``queue_refresh``) when something changes it,
and only then, so no step's cost grows with the size of the book:

* an event: a transition or an opening (``queue_refresh_cases_after_commit``, from the one transition
  path and ``case_open``), a contact attempt, a promise, a wrong-party report or its release
  (``queue_refresh_after_commit``, every case of the customer: caps count per person);
* the daily cycle's review of the account (``queue_refresh_range``: days past due or status written for
  the date) and bulk changes of more than ``IMMEDIATE_MAX`` cases mark their rows due (``queue_mark_due``)
  instead of computing them inline;
* the clock: each row stores ``refresh_at``, the next instant time alone changes it (a call stretch starts
  or ends, a callback comes within the hour, a promise comes due, a broken promise or plan stops
  counting); ``queue_refresh_due`` (a periodic task every five minutes, and the queue page for the rows it
  is about to show) recomputes rows whose instant has come.

The list is then one indexed read ordered by score, with no gate evaluation per row.

**The priority score** (higher first; every part is listed in ``reasons`` on the row):

* days past due, 1 point a day, at most 180;
* the balance, 1 point per 1,000 of the currency owed, at most 50;
* a callback the customer asked for, due within the next hour or overdue: +60;
* an open promise whose due date has come (its follow-up task is open): +40;
* a promise broken in the last 14 days: +35;
* a plan broken in the last 30 days: +30;
* a call allowed right now: +10 (work who can be reached while they can);
* a vulnerable customer: the total is halved (less pressure; specialist handling);
* cases on hold, with an open dispute, or finished are not in the queue at all.

**May be contacted now**: for each of the customer's phones that is not reported as wrong party or
invalid, the compliance gate's decision for a call at refresh time; ``call_from`` is the earliest instant
a call is allowed (now, or the gate's ``next_allowed_at``), ``call_until`` the end of the contact window
on that local day, and ``call_next_from``/``call_next_until`` the next such stretch (the gate asked again
at ``call_until``). With the same history nothing but the hours can block inside a stretch (the caps only
count down as time passes), so "t is in one of the two stretches" is the gate's answer at any ``t`` for
the row's ``refresh_at`` (never later than the end of the second stretch); every attempt refreshes the
customer's rows at once.

**Next-best action**: a due callback; else a due promise to follow up; else a waiver request waiting
for a decision; else a call when one is allowed today; else a notice when a call is blocked by a rule
that needs a person (no callable phone); else wait.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q

from accounts.models import ContactPoint
from debt_collections.kernel.cycle_marks import mark_done, mark_of
from debt_collections.kernel.gate import (
    case_snapshot,
    contact_point_snapshot,
    histories,
    pack_for,
    quarantined_values,
    released_for,
)
from debt_collections.models import (
    TERMINAL,
    CaseState,
    CaseTask,
    CollectionCase,
    Dispute,
    FeeWaiver,
    NextAction,
    PlanState,
    PromiseState,
    PromiseToPay,
    QueueEntry,
    RepaymentPlan,
    WaiverState,
)
from debt_collections.policies import PastContact, PolicyPack, decide_contact
from debt_collections.policies.localtime import customer_zone, first_instant_at_or_after, local_wall

DPD_CAP = 180
BALANCE_UNIT = Decimal(1000)
BALANCE_CAP = 50
CALLBACK_POINTS = 60
CALLBACK_AHEAD = timedelta(hours=1)
PROMISE_DUE_POINTS = 40
PROMISE_BROKEN_POINTS = 35
PROMISE_BROKEN_WITHIN = timedelta(days=14)
PLAN_BROKEN_POINTS = 30
PLAN_BROKEN_WITHIN = timedelta(days=30)
CALL_NOW_POINTS = 10
CALLABLE = [ContactPoint.Status.VERIFIED, ContactPoint.Status.UNVERIFIED]


Interval = tuple[datetime, datetime]


def _window_end(case: CollectionCase, start: datetime, pack: PolicyPack) -> datetime:
    """The end of the contact window on ``start``'s local day (the agreed window if there is one)."""
    customer = case.customer
    zone = customer_zone(customer)
    close = pack.contact_window_end
    if customer.agreed_contact_start and customer.agreed_contact_end:
        close = customer.agreed_contact_end
    day = local_wall(start, zone).date()
    until = first_instant_at_or_after(day, close, zone)
    if until <= start:  # a window closing at midnight
        until = first_instant_at_or_after(day + timedelta(days=1), time(0), zone)
    return until


def _intervals(
    case: CollectionCase, point: ContactPoint, history: list[PastContact], quarantined: bool, now: datetime
) -> tuple[list[Interval], list[str]]:
    """The first two stretches from ``now`` in which the gate allows a call to ``point`` with this
    history, and the rules blocking with no time to wait (then no stretch)."""
    pack = pack_for(case, now)
    snapshot = case_snapshot(case)
    point_snapshot = contact_point_snapshot(point, quarantined=quarantined)
    found: list[Interval] = []
    at = now
    for _ in range(2):
        decision = decide_contact(
            policy=pack,
            case=snapshot,
            history=history,
            contact_point=point_snapshot,
            channel="call",
            template=None,
            now=at,
        )
        start = at if decision.allowed else decision.next_allowed_at
        if start is None:
            return found, ([] if found else sorted(str(r) for r in decision.blocked_by))
        end = _window_end(case, start, pack)
        found.append((start, end))
        at = end
    return found, []


def _merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _call_windows(
    case: CollectionCase,
    points: list[ContactPoint],
    history: dict[tuple[int, str], list[PastContact]],
    quarantined: set[tuple[str, int]],
    now: datetime,
) -> tuple[list[Interval], list[str]]:
    """The first two stretches in which some callable phone of the customer may be called."""
    if not points:
        return [], ["NO_PHONE"]
    stretches: list[Interval] = []
    blocked: set[str] = set()
    for p in points:
        blocked_here = (p.value, case.customer_id) in quarantined
        found, rules = _intervals(case, p, history[(case.customer_id, p.value)], blocked_here, now)
        stretches.extend(found)
        blocked.update(rules)
    merged = _merge(stretches)[:2]
    return merged, ([] if merged else sorted(blocked))


def _entry(
    case: CollectionCase,
    *,
    now: datetime,
    points: list[ContactPoint],
    history: dict[tuple[int, str], list[PastContact]],
    quarantined: set[tuple[str, int]],
    callback_due: bool,
    promise_due: bool,
    promise_broken: bool,
    plan_broken: bool,
    waiver_pending: bool,
    changes_at: list[datetime],
) -> QueueEntry:
    account = case.account
    reasons: list[str] = []
    dpd = min(account.days_past_due, DPD_CAP)
    score = dpd
    reasons.append(f"{account.days_past_due} days past due: +{dpd}")
    balance = min(int(account.total_due // BALANCE_UNIT), BALANCE_CAP)
    score += balance
    reasons.append(f"balance {account.total_due} {account.currency}: +{balance}")
    for flag, points_, text in (
        (callback_due, CALLBACK_POINTS, "callback due"),
        (promise_due, PROMISE_DUE_POINTS, "promise due"),
        (promise_broken, PROMISE_BROKEN_POINTS, "promise broken recently"),
        (plan_broken, PLAN_BROKEN_POINTS, "plan broken recently"),
    ):
        if flag:
            score += points_
            reasons.append(f"{text}: +{points_}")
    windows, blocked = _call_windows(case, points, history, quarantined, now)
    call_from, call_until = windows[0] if windows else (None, None)
    next_from, next_until = windows[1] if len(windows) > 1 else (None, None)
    call_now = call_from is not None and call_until is not None and call_from <= now < call_until
    if call_now:
        score += CALL_NOW_POINTS
        reasons.append(f"may be called now: +{CALL_NOW_POINTS}")
    if case.customer.vulnerable:
        score //= 2
        reasons.append("vulnerable customer: halved")
    if callback_due:
        action = NextAction.CALLBACK
    elif promise_due:
        action = NextAction.FOLLOW_UP_PROMISE
    elif waiver_pending:
        action = NextAction.REVIEW_WAIVER
    elif call_from is not None:
        action = NextAction.CALL
    elif blocked and not case.customer.cease_communication:
        action = NextAction.SEND_NOTICE
    else:
        action = NextAction.WAIT
    # The next instant the clock alone changes this row: a stretch starts or ends (the +10 and the "may be
    # called now" column), or one of the case's own instants (``changes_at``).
    boundaries = [
        t for t in (call_from, call_until, next_from, next_until, *changes_at) if t is not None and t > now
    ]
    return QueueEntry(
        case=case,
        score=score,
        reasons=reasons,
        next_action=action,
        call_from=call_from,
        call_until=call_until,
        call_next_from=next_from,
        call_next_until=next_until,
        call_blocked_by=blocked,
        computed_at=now,
        refresh_at=min(boundaries, default=None),
    )


def queue_refresh(*, case_ids: Iterable[int], now: datetime) -> int:
    """Recompute the queue rows of these cases at ``now`` (a fixed number of queries plus one gate
    evaluation per phone); cases that left the queue (finished, on hold, disputed) lose their row.
    Returns how many rows were written. Safe to repeat; a system write, no audit event (it records no
    decision: the attempt itself is gated and audited when placed)."""
    ids = sorted(set(case_ids))
    if not ids:
        return 0
    disputed = set(
        Dispute.objects.filter(case_id__in=ids, status=Dispute.Status.OPEN).values_list("case_id", flat=True)
    )
    cases = [
        c
        for c in CollectionCase.objects.filter(pk__in=ids)
        .exclude(state__in=[*TERMINAL, CaseState.ON_HOLD])
        .select_related("account", "customer")
        if c.pk not in disputed
    ]
    workable = [c.pk for c in cases]
    phones: dict[int, list[ContactPoint]] = defaultdict(list)
    for p in ContactPoint.objects.filter(
        customer_id__in={c.customer_id for c in cases}, kind=ContactPoint.Kind.PHONE, status__in=CALLABLE
    ).order_by("pk"):
        phones[p.customer_id].append(p)
    # The gate's inputs for every phone at once: three queries for the histories, one for quarantine.
    history = histories(
        people={(c.customer_id, p.value) for c in cases for p in phones.get(c.customer_id, [])}, now=now
    )
    # (value, customer) pairs the gate treats as quarantined: a quarantine released for one customer
    # (restore_wrong_party, the case page's button) no longer counts for that customer, as in the gate.
    blocked_values = quarantined_values({p.value for ps in phones.values() for p in ps})
    released = released_for(blocked_values) if blocked_values else set()
    quarantined = {
        (p.value, customer_id)
        for customer_id, ps in phones.items()
        for p in ps
        if p.value in blocked_values and (p.value, customer_id) not in released
    }
    # Each flag, and the instant it will change by the clock alone (a callback comes within the hour, a
    # promise comes due, a broken promise or plan stops counting): that instant is the row's refresh_at.
    changes: dict[int, list[datetime]] = defaultdict(list)
    callbacks: set[int] = set()
    promises_due: set[int] = set()
    for case_id, kind, due_at in CaseTask.objects.filter(
        case_id__in=workable,
        done_at__isnull=True,
        kind__in=[CaseTask.Kind.CALLBACK, CaseTask.Kind.PROMISE_FOLLOW_UP],
        due_at__isnull=False,
    ).values_list("case_id", "kind", "due_at"):
        comes = due_at - CALLBACK_AHEAD if kind == CaseTask.Kind.CALLBACK else due_at
        if comes <= now:
            (callbacks if kind == CaseTask.Kind.CALLBACK else promises_due).add(case_id)
        else:
            changes[case_id].append(comes)
    broken_promises: set[int] = set()
    for case_id, decided_at in PromiseToPay.objects.filter(
        case_id__in=workable, state=PromiseState.BROKEN, decided_at__gte=now - PROMISE_BROKEN_WITHIN
    ).values_list("case_id", "decided_at"):
        broken_promises.add(case_id)
        changes[case_id].append(decided_at + PROMISE_BROKEN_WITHIN)
    broken_plans: set[int] = set()
    for case_id, ended_at in RepaymentPlan.objects.filter(
        case_id__in=workable, state=PlanState.BROKEN, ended_at__gte=now - PLAN_BROKEN_WITHIN
    ).values_list("case_id", "ended_at"):
        broken_plans.add(case_id)
        changes[case_id].append(ended_at + PLAN_BROKEN_WITHIN)
    waivers = set(
        FeeWaiver.objects.filter(case_id__in=workable, state=WaiverState.REQUESTED).values_list(
            "case_id", flat=True
        )
    )
    entries = [
        _entry(
            c,
            now=now,
            points=phones.get(c.customer_id, []),
            history=history,
            quarantined=quarantined,
            callback_due=c.pk in callbacks,
            promise_due=c.pk in promises_due,
            promise_broken=c.pk in broken_promises,
            plan_broken=c.pk in broken_plans,
            waiver_pending=c.pk in waivers,
            changes_at=changes.get(c.pk, []),
        )
        for c in cases
    ]
    with transaction.atomic():
        QueueEntry.objects.filter(case_id__in=ids).exclude(case_id__in=workable).delete()
        QueueEntry.objects.bulk_create(
            entries,
            update_conflicts=True,
            unique_fields=["case"],
            update_fields=[
                "score",
                "reasons",
                "next_action",
                "call_from",
                "call_until",
                "call_next_from",
                "call_next_until",
                "call_blocked_by",
                "computed_at",
                "refresh_at",
            ],
            batch_size=2000,
        )
    return len(entries)


# A change to at most this many cases recomputes their rows when it commits (an agent's action: the queue
# must show it at once); a bulk change (the cycle's openings, escalations, charge-offs; a bulk admin action)
# marks them due instead, and ``queue_refresh_due`` computes them within minutes on the workers, so the
# cycle's own time is the accounts' and cases' changes, not the read model's.
IMMEDIATE_MAX = 50
PENDING_REASON = "not computed yet"


def queue_mark_due(*, case_ids: Iterable[int], now: datetime) -> int:
    """Make these cases' rows due for ``queue_refresh_due`` (in the caller's transaction): existing rows
    get ``refresh_at = now`` unless already due; a case without a row gets a placeholder (score 0,
    "not computed yet") so that the refresh finds it by the same index. Returns the rows marked.

    Two statements whatever the number of cases, the ids as one parameter (the cycle marks 10,000s: as
    model objects through ``bulk_create`` that cost 2 s at 1,000,000 accounts).
    """
    ids = sorted(set(case_ids))
    if not ids:
        return 0
    marked = (
        QueueEntry.objects.filter(case_id__any=ids)
        .filter(Q(refresh_at__isnull=True) | Q(refresh_at__gt=now))
        .update(refresh_at=now)
    )
    return marked + _insert_placeholders(ids, now)


def _insert_placeholders(ids: list[int], now: datetime) -> int:
    """``INSERT … SELECT`` a placeholder row for each id without one (a row another transaction inserted
    meanwhile wins: ``ON CONFLICT DO NOTHING``)."""
    table = connection.ops.quote_name(QueueEntry._meta.db_table)
    at = QueueEntry._meta.get_field("computed_at").get_db_prep_value(now, connection)
    reasons = json.dumps([PENDING_REASON])
    ids_param: object
    if connection.vendor == "postgresql":
        source, ids_param, cast = "unnest(%s::bigint[]) AS v(id)", ids, "::jsonb"
    else:
        source, ids_param, cast = "(SELECT value AS id FROM json_each(%s)) AS v", json.dumps(ids), ""
    sql = (
        f"INSERT INTO {table} (case_id, score, reasons, next_action, call_blocked_by, computed_at, "  # noqa: S608
        f"refresh_at) SELECT v.id, 0, %s{cast}, %s, %s{cast}, %s, %s FROM {source} WHERE NOT EXISTS "
        f"(SELECT 1 FROM {table} q WHERE q.case_id = v.id) ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [reasons, NextAction.WAIT, "[]", at, at, ids_param])
        return max(cursor.rowcount, 0)


def queue_refresh_range(*, lo: int, hi: int, as_of: date, now: datetime) -> int:
    """The daily cycle's step for the accounts with ids in [lo, hi]: the open cases whose account the cycle
    reviewed for ``as_of`` (days past due or status written today: ``dpd_on``, indexed) are marked due
    (``queue_mark_due``). Transitions and openings mark or refresh their own rows
    (``queue_refresh_cases_after_commit``) and rows the clock changes come due by themselves, so the step
    costs the day's changes, not the book. Rows already computed on the date are left alone, so a second
    run for the date changes nothing (a row computed just before the review is at most wrong until its
    own ``refresh_at``). A later run for the date (its ``CycleMark``) has nothing to mark: the accounts
    reviewed for a date do not change, and a case opened or changed since marks its own row."""
    if mark_of(QUEUE_STEP, as_of=as_of, lo=lo, hi=hi) is not None:
        return 0
    day_start = datetime.combine(as_of, time.min, tzinfo=UTC)
    ids = list(
        CollectionCase.objects.filter(
            account_id__gte=lo, account_id__lte=hi, account__dpd_on=as_of, closed_at__isnull=True
        )
        .exclude(queue_entry__computed_at__gte=day_start)
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        marked = queue_mark_due(case_ids=ids, now=now)
        mark_done(QUEUE_STEP, as_of=as_of, lo=lo, hi=hi, now=now)
    return marked


QUEUE_STEP = "queue_refresh_range"


def queue_refresh_due(*, now: datetime, limit: int = 20_000) -> int:
    """Recompute up to ``limit`` rows whose ``refresh_at`` has come, the longest-waiting first (the
    periodic task's body and the work queue page's, for the rows it is about to show). Returns how many
    rows it looked at; a row that comes due again later is picked up by a later run."""
    due = QueueEntry.objects.filter(refresh_at__lte=now).order_by("refresh_at")
    ids = list(due.values_list("case_id", flat=True)[:limit])
    for start in range(0, len(ids), 2000):
        queue_refresh(case_ids=ids[start : start + 2000], now=now)
    return len(ids)


def queue_refresh_due_all(*, now: datetime, batch: int = 5_000) -> int:
    """Every row due at ``now``, batch after batch (the cycle command's last step in-process)."""
    done = 0
    while (n := queue_refresh_due(now=now, limit=batch)) == batch:
        done += n
    return done + n


def queue_refresh_cases_after_commit(*, case_ids: Iterable[int], now: datetime) -> None:
    """A transition's or an opening's cases: up to ``IMMEDIATE_MAX`` recomputed after the caller's
    transaction commits (a finished or held case leaves the queue, a new or resumed one enters it); more
    are marked due in the caller's transaction (``queue_mark_due``)."""
    ids = sorted(set(case_ids))
    if not ids:
        return
    if len(ids) > IMMEDIATE_MAX:
        queue_mark_due(case_ids=ids, now=now)
        return
    transaction.on_commit(lambda: queue_refresh(case_ids=ids, now=now))


def queue_refresh_after_commit(*, customer_ids: Iterable[int], now: datetime) -> None:
    """After the caller's transaction commits, refresh every case of these customers (caps count per
    person, so one attempt changes all their cases' answers). Called inside a service's transaction."""
    customers = list(set(customer_ids))

    def refresh() -> None:
        ids = CollectionCase.objects.filter(customer_id__in=customers).exclude(state__in=TERMINAL)
        queue_refresh(
            case_ids=[
                *ids.values_list("pk", flat=True),
                *QueueEntry.objects.filter(case__customer_id__in=customers).values_list("case_id", flat=True),
            ],
            now=now,
        )

    transaction.on_commit(refresh)
