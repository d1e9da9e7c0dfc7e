"""Credit-bureau reporting (DESIGN §9): pre-notice first, nothing while disputed, corrections when wrong.

The path of one delinquency episode (one case):

1. The reminder ladder queues ``credit_report.pre_notice`` when the case reaches the pack's reporting
   threshold (CN: 60 days past due); staff may also send one from the admin. The daily cycle registers a
   ``CreditReportNotice`` for every case with such a notice (``credit_report_register``).
2. When the notice is ``sent``, the cycle records delivery (``credit_report_notice_delivered``): [D] an SMS
   or email counts as delivered when sent; a letter ``LETTER_DELIVERY_DAYS`` later. From then
   ``eligible_at = delivered_at + pack.credit_report_prenotice_days``.
3. ``credit.feed.bureau_feed_export`` (``manage.py export_bureau_feed``) writes the negative records
   due and every correction not yet exported to a JSON-lines file (docs/bureau-feed.md) and marks them
   exported. A negative record needs, under the case's lock at export time: a delivered pre-notice whose
   ``eligible_at`` has passed; no open dispute on the case (any kind); no upheld credit-report,
   not-my-debt or identity-theft dispute; no accepted or active plan; the case neither on hold nor
   resolved or closed; and the account still in a reporting band (``policies.credit_impact``).
4. A correction (``credit.corrections.credit_report_correct``) follows an upheld dispute of those kinds
   (the cycle and the export find them) or a person's finding that the report was wrong.

Every change is audited in the transaction that makes it. Each step is safe to repeat: a second run for
the same date writes nothing (no rows, no events) and a second export emits nothing already exported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import CreditAccount
from debt_collections.credit.common import CYCLE, S, cutoff_of, in_range, pack_at
from debt_collections.credit.corrections import credit_report_corrections_due
from debt_collections.credit.selectors import pre_notices, report_facts
from debt_collections.errors import InvalidInput
from debt_collections.kernel.audit import PendingEvent, audit_append, audit_append_many
from debt_collections.kernel.cycle_marks import mark_before, mark_done, mark_of
from debt_collections.kernel.locking import lock_case
from debt_collections.models import CollectionCase, CreditReportNotice
from debt_collections.policies import PACK_CODES, get_pack
from debt_collections.policies.credit_impact import PRE_NOTICE_KEY
from debt_collections.policies.credit_reporting import (
    OPEN_STATUSES,
    delivered_at,
    evaluate,
)


@dataclass(frozen=True)
class _Row:
    """One open ``CreditReportNotice`` with what its evaluation needs, read as plain values: the cycle
    reads thousands a day, and four model instances per row cost more than the evaluation itself."""

    pk: int
    case_id: int
    status: str
    suppressed_reason: str
    eligible_at: datetime | None
    state: str
    hold_reason: str
    days_past_due: int
    jurisdiction: str


@dataclass(frozen=True)
class _RowCase:
    pk: int
    state: str
    hold_reason: str


@dataclass(frozen=True)
class _RowAccount:
    days_past_due: int


# --- 1. registration and delivery -----------------------------------------------------------------


# Pre-notices queued this long ago or less are looked at for registration: the cycle registers a pre-notice
# the day it is queued (or the next run), so a week covers missed runs without reading every pre-notice
# ever sent (an anti-join of every case without a record was the cycle's last read of the whole book).
REGISTER_LOOKBACK = timedelta(days=7)


REGISTER_STEP = "credit_report_register"


# How far before an earlier date's run a change may carry its time and still not have been seen by that
# run: a transaction that began before the run's ``now`` and committed after the run read the records.
IN_FLIGHT = timedelta(hours=1)


def credit_report_register(
    *, now: datetime, lo: int | None = None, hi: int | None = None, as_of: date | None = None
) -> int:
    """Create the ``CreditReportNotice`` of every case (accounts ``lo``..``hi``) that has a pre-notice
    queued, being sent or sent in the last ``REGISTER_LOOKBACK``, and no record yet. Returns how many were
    created. Safe to repeat. With ``as_of`` (the cycle's chunks), a later run for the date looks only at
    the pre-notices queued since the last (``CycleMark``), and a date's first run at those queued since
    the last date's run of the range (less ``IN_FLIGHT``), within ``REGISTER_LOOKBACK``."""
    from notifications.models import NoticeTemplate

    templates = list(NoticeTemplate.objects.filter(key=PRE_NOTICE_KEY).values_list("pk", flat=True))
    # By the index on (template, queued_at): the recent pre-notices only, whatever the book's size; a
    # second run for the date only those queued since the first (its mark).
    since = mark_of(REGISTER_STEP, as_of=as_of, lo=lo, hi=hi) if as_of is not None else None
    if since is None:
        since = now - REGISTER_LOOKBACK
        previous = mark_before(REGISTER_STEP, as_of=as_of, lo=lo, hi=hi) if as_of is not None else None
        if previous is not None:
            # The last date's run registered everything queued before it: a day reads the day's
            # pre-notices, not the week's (each chunk read every chunk's week: 140,000 rows a chunk at
            # 10,000,000 accounts).
            since = max(since, previous[1] - IN_FLIGHT)
    candidates = (
        pre_notices(**in_range(lo, hi))
        .filter(template_id__in=templates, queued_at__gte=since)
        .exclude(Exists(CreditReportNotice.objects.filter(case_id=OuterRef("case_id"))))
        .order_by("case_id", "pk")
        .values_list("case_id", "pk")
    )
    first: dict[int, int] = {}
    for case_id, notice_id in candidates:
        first.setdefault(case_id, notice_id)
    if not first:
        if as_of is not None:
            mark_done(REGISTER_STEP, as_of=as_of, lo=lo, hi=hi, now=now)
        return 0
    with transaction.atomic():
        if as_of is not None:  # with the records it stands for
            mark_done(REGISTER_STEP, as_of=as_of, lo=lo, hi=hi, now=now)
        # Lock the cases so that a concurrent run cannot create a second record (the unique constraint
        # would refuse it anyway; this keeps a refused insert from aborting the whole batch). The cases
        # only: locking the joined customers too deadlocked with a sending worker, which holds the
        # pre-notice and waits for its customer while this waits (the record's foreign key) for the notice.
        cases = list(
            CollectionCase.objects.select_for_update(of=("self",))
            .select_related("customer")
            .filter(pk__in=list(first))
            .exclude(credit_report_notices__isnull=False)
            .order_by("pk")
        )
        from notifications.models import Notice

        channels = dict(Notice.objects.filter(pk__in=list(first.values())).values_list("pk", "channel"))
        rows = []
        for case in cases:
            pack = pack_at(case, now)
            rows.append(
                CreditReportNotice(
                    case=case,
                    account_id=case.account_id,
                    pre_notice_id=first[case.pk],
                    channel=channels.get(first[case.pk], ""),
                    policy_version=pack.version,
                    prenotice_days=pack.credit_report_prenotice_days,
                    created_at=now,
                )
            )
        created = CreditReportNotice.objects.bulk_create(rows)
        audit_append_many(
            [
                PendingEvent(
                    action="credit_report.pre_notice_registered",
                    case_id=row.case_id,
                    actor=CYCLE,
                    payload={
                        "credit_report_notice": row.pk,
                        "pre_notice": row.pre_notice_id,
                        "policy_version": row.policy_version,
                    },
                )
                for row in created
            ],
            at=now,
        )
    return len(created)


def credit_report_notice_delivered(
    *, notice_id: int, now: datetime | None = None
) -> CreditReportNotice | None:
    """Record that the pre-notice ``notice_id`` (a ``credit_report.pre_notice`` now ``sent``) was
    delivered, which starts the waiting period: ``eligible_at = delivered_at + N days``.

    [D] SMS and email are delivered when sent; a letter ``LETTER_DELIVERY_DAYS`` after. Creates the
    case's ``CreditReportNotice`` if the cycle has not yet. Returns it, or ``None`` when the notice is
    not a sent pre-notice. Safe to repeat: an already delivered record keeps its first delivery (an
    earlier delivery than the one recorded is never possible, since the earliest sent notice is taken).
    """
    from notifications.models import Notice

    now = now or timezone.now()
    with transaction.atomic():
        notice = Notice.objects.select_related("template").filter(pk=notice_id).first()
        if (
            notice is None
            or notice.template.key != PRE_NOTICE_KEY
            or notice.status != Notice.Status.SENT
            or notice.sent_at is None
        ):
            return None
        case = lock_case(notice.case_id)
        record = CreditReportNotice.objects.select_for_update().filter(case=case).first()
        if record is None:
            pack = pack_at(case, now)
            record = CreditReportNotice.objects.create(
                case=case,
                account_id=case.account_id,
                pre_notice=notice,
                channel=notice.channel,
                policy_version=pack.version,
                prenotice_days=pack.credit_report_prenotice_days,
                created_at=now,
            )
        if record.delivered_at is not None:
            return record
        sent = notice.sent_at
        delivered = delivered_at(sent, notice.channel)
        # The period in effect on the delivery date, never shorter than the one promised at creation.
        days = max(record.prenotice_days, pack_at(case, delivered).credit_report_prenotice_days)
        record.pre_notice = notice
        record.channel = notice.channel
        record.sent_at = sent
        record.delivered_at = delivered
        record.prenotice_days = days
        record.eligible_at = delivered + timedelta(days=days)
        record.save(
            update_fields=[
                "pre_notice", "channel", "sent_at", "delivered_at", "prenotice_days", "eligible_at",
            ]
        )  # fmt: skip
        audit_append(
            actor=CYCLE,
            action="credit_report.pre_notice_delivered",
            at=now,
            case=case,
            payload={
                "credit_report_notice": record.pk,
                "pre_notice": notice.pk,
                "channel": notice.channel,
                "sent_at": sent,
                "delivered_at": delivered,
                "prenotice_days": days,
                "eligible_at": record.eligible_at,
            },
        )
    return record


def _record_deliveries(*, now: datetime, lo: int | None, hi: int | None) -> int:
    from notifications.models import Notice

    waiting = CreditReportNotice.objects.filter(
        delivered_at__isnull=True, **in_range(lo, hi, prefix="")
    ).values_list("case_id", flat=True)
    sent = (
        Notice.objects.filter(
            case_id__any=list(waiting),
            template__key=PRE_NOTICE_KEY,
            status=Notice.Status.SENT,
            sent_at__isnull=False,
        )
        .order_by("case_id", "sent_at", "pk")
        .values_list("case_id", "pk")
    )
    earliest: dict[int, int] = {}
    for case_id, notice_id in sent:
        earliest.setdefault(case_id, notice_id)
    for notice_id in earliest.values():
        credit_report_notice_delivered(notice_id=notice_id, now=now)
    return len(earliest)


# --- 2. status as of a date -----------------------------------------------------------------------


def credit_report_refresh(
    *, as_of: date, now: datetime, lo: int | None = None, hi: int | None = None
) -> tuple[int, int]:
    """Bring every open ``CreditReportNotice`` (accounts ``lo``..``hi``) to the status it has at the end
    of ``as_of`` (or ``now``): ``pending``, ``eligible`` or ``suppressed`` with its reason. Writes and
    audits only the rows that change, so a second run for the date writes nothing. Returns (now
    eligible, now suppressed) counts of the rows changed into those statuses.

    For a range (the cycle's chunks) each run leaves a ``CycleMark``. A later run for the date reads only
    the records touched since (``_touched_since``); the first run of a date reads the records changed
    since the last date's run of the range (``_changed_since_date``: touched since, less ``IN_FLIGHT``, or
    with days past due written since), or every open record when there was none or a pack's version
    changed in between. The feed export evaluates every record again before it reports one.
    """
    cutoff = cutoff_of(as_of, now)
    records = CreditReportNotice.objects.filter(status__in=OPEN_STATUSES, **in_range(lo, hi, prefix=""))
    since = mark_of(MARK_STEP, as_of=as_of, lo=lo, hi=hi)
    if since is not None:
        records = records.filter(_touched_since(since, cutoff, lo=lo, hi=hi))
    elif (previous := _earlier_run(as_of=as_of, lo=lo, hi=hi)) is not None:
        records = records.filter(_changed_since_date(*previous, cutoff=cutoff, lo=lo, hi=hi))
    notices = [
        _Row(*values)
        for values in records.order_by("pk").values_list(
            "pk",
            "case_id",
            "status",
            "suppressed_reason",
            "eligible_at",
            "case__state",
            "case__hold_reason",
            "case__account__days_past_due",
            "case__customer__jurisdiction",
        )
    ]
    if not notices:
        mark_done(MARK_STEP, as_of=as_of, lo=lo, hi=hi, now=now)
        return 0, 0
    facts = report_facts(n.case_id for n in notices)
    changed = [
        (n, *target)
        for n in notices
        if (
            target := evaluate(
                n,
                _RowCase(n.case_id, n.state, n.hold_reason),
                _RowAccount(n.days_past_due),
                n.jurisdiction,
                facts,
                cutoff,
            )
        )
        != (n.status, n.suppressed_reason)
    ]
    if not changed:
        mark_done(MARK_STEP, as_of=as_of, lo=lo, hi=hi, now=now)
        return 0, 0
    eligible = suppressed = 0
    with transaction.atomic():
        # With the changes it stands for: a failed write leaves the range to be evaluated in full again.
        mark_done(MARK_STEP, as_of=as_of, lo=lo, hi=hi, now=now)
        # Re-read under the lock: the export or a correction may have moved a record meanwhile; those are
        # left alone (the next run sees them as they are now).
        current = {
            pk: (status, reason)
            for pk, status, reason in CreditReportNotice.objects.select_for_update()
            .filter(pk__any=[n.pk for n, _status, _reason in changed])
            .order_by("pk")
            .values_list("pk", "status", "suppressed_reason")
        }
        still = [c for c in changed if current.get(c[0].pk) == (c[0].status, c[0].suppressed_reason)]
        # One UPDATE per new (status, reason): a day moves hundreds of records into a handful of states.
        targets: dict[tuple[str, str], list[int]] = {}
        for notice, status, reason in still:
            targets.setdefault((status, reason), []).append(notice.pk)
        for (status, reason), ids in targets.items():
            CreditReportNotice.objects.filter(pk__any=ids).update(status=status, suppressed_reason=reason)
        events = []
        for notice, status, reason in still:
            eligible += status == S.ELIGIBLE
            suppressed += status == S.SUPPRESSED
            events.append(
                PendingEvent(
                    action=f"credit_report.{status}",
                    case_id=notice.case_id,
                    actor=CYCLE,
                    payload={
                        "credit_report_notice": notice.pk,
                        "from": notice.status,
                        "to": status,
                        "reason": reason,
                        "eligible_at": notice.eligible_at,
                    },
                )
            )
        audit_append_many(events, at=now)
    return eligible, suppressed


MARK_STEP = "credit_report_refresh"


def _earlier_run(*, as_of: date, lo: int | None, hi: int | None) -> tuple[date, datetime] | None:
    """The last earlier date this range's records were all brought up to date, if the rules that
    ``evaluate`` applies (every pack's version) are the same on that date as on ``as_of``."""
    previous = mark_before(MARK_STEP, as_of=as_of, lo=lo, hi=hi)
    if previous is None:
        return None
    if any(get_pack(code, previous[0]).version != get_pack(code, as_of).version for code in PACK_CODES):
        return None  # a new policy version: every record is evaluated under it
    return previous


def _changed_since_date(day: date, at: datetime, *, cutoff: datetime, lo: int | None, hi: int | None) -> Q:
    """The open records whose status may differ from the one an earlier date's run (``day``, at ``at``)
    left: what ``_touched_since`` finds since then (less ``IN_FLIGHT``), and the records of accounts whose
    stored days past due the cycle wrote after ``day`` (it writes them only when they cross a threshold
    that matters, the reporting one among them; index on ``dpd_on``). So a day's first run reads the
    day's changes, not every open record of the book."""
    bounds = {**({"pk__gte": lo} if lo is not None else {}), **({"pk__lte": hi} if hi is not None else {})}
    crossed = CreditAccount.objects.filter(dpd_on__gt=day, **bounds).values_list("pk", flat=True)
    return _touched_since(at - IN_FLIGHT, cutoff, lo=lo, hi=hi) | Q(account_id__any=list(crossed))


def _touched_since(at: datetime, cutoff: datetime, *, lo: int | None, hi: int | None) -> Q:
    """The open records whose status may differ from the one given at ``at`` for the same date: what
    ``evaluate`` reads changed after ``at`` (the case's state or hold: ``updated_at``; a dispute or a plan
    opened, accepted or ended; a record registered or delivered, which sets its times), or its waiting
    period ended by ``cutoff``. The days past due and the pack are the same for the same date. The cases
    are found by their own indexes first, so the records are read by ``case_id`` (an OR of joins made
    PostgreSQL join every open record to its case).
    """
    from debt_collections.models import Dispute, RepaymentPlan

    cases = set(
        CollectionCase.objects.filter(updated_at__gt=at, **in_range(lo, hi, prefix="")).values_list(
            "pk", flat=True
        )
    )
    cases.update(
        Dispute.objects.filter(Q(opened_at__gt=at) | Q(resolved_at__gt=at)).values_list("case_id", flat=True)
    )
    cases.update(
        RepaymentPlan.objects.filter(
            Q(offered_at__gt=at) | Q(accepted_at__gt=at) | Q(ended_at__gt=at)
        ).values_list("case_id", flat=True)
    )
    return (
        Q(case_id__any=sorted(cases))
        | Q(status=S.PENDING, eligible_at__lte=cutoff)
        | Q(created_at__gt=at)
        | Q(delivered_at__gt=at)
    )


# --- the daily cycle's step ------------------------------------------------------------------------


@dataclass
class ReportingStep:
    registered: int = 0
    delivered: int = 0
    eligible: int = 0
    suppressed: int = 0
    corrected: int = 0
    errors: list[str] = field(default_factory=list)


def credit_report_cycle(*, as_of: date, now: datetime, lo: int, hi: int) -> ReportingStep:
    """The daily cycle's reporting step for accounts ``lo``..``hi``: register new pre-notices, record
    deliveries, correct reports an upheld dispute proved wrong, and refresh each record's status as of
    ``as_of``. Makes no report itself (the feed export does). Safe to repeat for a date."""
    step = ReportingStep()
    step.registered = credit_report_register(now=now, lo=lo, hi=hi, as_of=as_of)
    step.delivered = _record_deliveries(now=now, lo=lo, hi=hi)
    try:
        step.corrected = len(credit_report_corrections_due(now=now, lo=lo, hi=hi))
    except InvalidInput as exc:  # correction_today: the next run makes it
        step.errors.append(exc.message)
    step.eligible, step.suppressed = credit_report_refresh(as_of=as_of, now=now, lo=lo, hi=hi)
    return step
