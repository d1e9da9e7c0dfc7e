"""Credit-bureau reporting (DESIGN §9): pre-notice first, nothing while disputed, corrections when wrong.

The path of one delinquency episode (one case):

1. The reminder ladder queues ``credit_report.pre_notice`` when the case reaches the pack's reporting
   threshold (CN: 60 days past due); staff may also send one from the admin. The daily cycle registers a
   ``CreditReportNotice`` for every case with such a notice (``credit_report_register``).
2. When the notice is ``sent``, the cycle records delivery (``credit_report_notice_delivered``): [D] an SMS
   or email counts as delivered when sent; a letter ``LETTER_DELIVERY_DAYS`` later. From then
   ``eligible_at = delivered_at + pack.credit_report_prenotice_days``.
3. ``bureau_feed_export`` (``manage.py export_bureau_feed``) writes the negative records due and every
   correction not yet exported to a JSON-lines file (docs/bureau-feed.md) and marks them exported. A
   negative record needs, under the case's lock at export time: a delivered pre-notice whose
   ``eligible_at`` has passed; no open dispute on the case (any kind); no upheld credit-report,
   not-my-debt or identity-theft dispute; no accepted or active plan; the case neither on hold nor
   resolved or closed; and the account still in a reporting band (``policies.credit_impact``).
4. A correction (``credit_report_correct``) follows an upheld dispute of those kinds (the cycle and the
   export find them) or a person's finding that the report was wrong.

Every change is audited in the transaction that makes it. Each step is safe to repeat: a second run for
the same date writes nothing (no rows, no events) and a second export emits nothing already exported.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from debt_collections.errors import InvalidInput, NotPermitted
from debt_collections.kernel.access import may
from debt_collections.kernel.audit import Actor, PendingEvent, audit_append, audit_append_many
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.models import (
    LIVE_PLAN_STATES,
    TERMINAL,
    BureauRecord,
    CaseState,
    CollectionCase,
    CreditReportNotice,
    Dispute,
    RepaymentPlan,
)
from debt_collections.policies import PolicyPack, amount_band, credit_impact, get_pack
from debt_collections.policies.credit_impact import PRE_NOTICE_KEY

if TYPE_CHECKING:
    from notifications.models import Notice

CYCLE = Actor.system("collection_cycle")  # the same actor as the rest of the daily cycle
FEED = Actor.system("bureau_feed")
# [D] A letter is taken as delivered a week after it is sent (at least five business days, the US
# pack's assumed-receipt rule, 12 CFR 1006.34); SMS and email are delivered when sent.
LETTER_DELIVERY_DAYS: Final = 7
# An upheld dispute of these kinds means the negative record must not stand (or must not be made).
CORRECTING_KINDS: Final = (
    Dispute.Kind.CREDIT_REPORT,
    Dispute.Kind.NOT_MY_DEBT,
    Dispute.Kind.IDENTITY_THEFT,
)
# The status code of a correction record: the bureau removes the negative record it names.
CORRECTION_CODE: Final = "DELETE"
S = CreditReportNotice.Status
OPEN_STATUSES: Final = (S.PENDING, S.ELIGIBLE, S.SUPPRESSED)


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def _cutoff(as_of: date, now: datetime) -> datetime:
    """The latest instant that counts for ``as_of``: its end, or ``now`` if earlier (as the plan steps)."""
    return min(now, _end_of(as_of))


def _pack(case: CollectionCase, at: datetime) -> PolicyPack:
    return get_pack(case.customer.jurisdiction, at.date())


def _in_range(lo: int | None, hi: int | None, prefix: str = "case__") -> dict[str, int]:
    bounds = {}
    if lo is not None:
        bounds[f"{prefix}account_id__gte"] = lo
    if hi is not None:
        bounds[f"{prefix}account_id__lte"] = hi
    return bounds


# --- why a negative report may not be made --------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    """What the evaluation needs about many cases, read in a fixed number of queries."""

    open_disputes: dict[int, list[str]]
    upheld_correcting: set[int]
    resolved_disputes: set[int]
    live_plans: set[int]

    @classmethod
    def load(cls, case_ids: Iterable[int]) -> _Facts:
        ids = list(case_ids)
        open_disputes: dict[int, list[str]] = {}
        upheld: set[int] = set()
        resolved: set[int] = set()
        for case_id, kind, status in Dispute.objects.filter(case_id__in=ids).values_list(
            "case_id", "kind", "status"
        ):
            if status == Dispute.Status.OPEN:
                open_disputes.setdefault(case_id, []).append(kind)
            elif status == Dispute.Status.UPHELD and kind in CORRECTING_KINDS:
                upheld.add(case_id)
            elif kind != Dispute.Kind.CONDUCT_COMPLAINT:  # a complaint is about conduct, not the data
                resolved.add(case_id)
        plans = set(
            RepaymentPlan.objects.filter(case_id__in=ids, state__in=LIVE_PLAN_STATES).values_list(
                "case_id", flat=True
            )
        )
        return cls(open_disputes, upheld, resolved, plans)


class _CaseLike(Protocol):
    """What the evaluation reads of a case: a model, or a row the daily cycle read as plain values."""

    @property
    def pk(self) -> Any: ...
    @property
    def state(self) -> Any: ...
    @property
    def hold_reason(self) -> str: ...


class _AccountLike(Protocol):
    @property
    def days_past_due(self) -> int: ...


class _NoticeLike(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def suppressed_reason(self) -> str: ...
    @property
    def eligible_at(self) -> datetime | None: ...


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


def suppression_reason(case: _CaseLike, account: _AccountLike, pack: PolicyPack, facts: _Facts) -> str:
    """Why no negative record may be made for ``case`` now, or "" when nothing forbids it.

    (The pre-notice and its waiting period are checked separately: they make a report wait, not stop.)
    """
    if case.state in TERMINAL:
        return f"the case is {case.state}"
    if case.pk in facts.upheld_correcting:
        return "a dispute about this debt or its report was upheld"
    if case.pk in facts.open_disputes:
        return "a dispute is open (" + ", ".join(sorted(set(facts.open_disputes[case.pk]))) + ")"
    if case.pk in facts.live_plans or case.state == CaseState.ON_PLAN:
        return "a repayment plan is being kept"
    if case.state == CaseState.ON_HOLD:
        return f"the case is on hold ({case.hold_reason or 'hold'})"
    if not credit_impact(pack, account.days_past_due).negative:
        return f"{account.days_past_due} days past due is below the reporting threshold"
    return ""


def _evaluate(
    notice: _NoticeLike,
    case: _CaseLike,
    account: _AccountLike,
    jurisdiction: str,
    facts: _Facts,
    cutoff: datetime,
) -> tuple[str, str]:
    """(status, suppressed_reason) that ``notice`` should have at ``cutoff``; final statuses stay."""
    if notice.status in (S.REPORTED, S.CORRECTED):
        return notice.status, notice.suppressed_reason
    reason = suppression_reason(case, account, get_pack(jurisdiction, cutoff.date()), facts)
    if reason:
        return S.SUPPRESSED, reason[:200]
    if notice.eligible_at is None or notice.eligible_at > cutoff:
        return S.PENDING, ""
    return S.ELIGIBLE, ""


# --- 1. registration and delivery -----------------------------------------------------------------


def _pre_notices(bounds: dict[str, int]) -> QuerySet[Notice]:
    """``credit_report.pre_notice`` notices queued, being sent or sent (not blocked or failed)."""
    from notifications.models import Notice

    return Notice.objects.filter(
        template__key=PRE_NOTICE_KEY,
        status__in=[Notice.Status.PENDING, Notice.Status.SENDING, Notice.Status.SENT],
        **bounds,
    )


def credit_report_register(*, now: datetime, lo: int | None = None, hi: int | None = None) -> int:
    """Create the ``CreditReportNotice`` of every case (accounts ``lo``..``hi``) that has a pre-notice
    queued, being sent or sent, and no record yet. Returns how many were created. Safe to repeat."""
    # From the chunk's cases without a record to their notices (by the case index), rather than from
    # every pre-notice ever sent to the cases in range.
    unregistered = CollectionCase.objects.filter(
        credit_report_notices__isnull=True, **_in_range(lo, hi, prefix="")
    ).values("pk")
    candidates = (
        _pre_notices({})
        .filter(case_id__in=unregistered)
        .order_by("case_id", "pk")
        .values_list("case_id", "pk")
    )
    first: dict[int, int] = {}
    for case_id, notice_id in candidates:
        first.setdefault(case_id, notice_id)
    if not first:
        return 0
    with transaction.atomic():
        # Lock the cases so that a concurrent run cannot create a second record (the unique constraint
        # would refuse it anyway; this keeps a refused insert from aborting the whole batch).
        cases = list(
            CollectionCase.objects.select_for_update()
            .select_related("customer")
            .filter(pk__in=list(first))
            .exclude(credit_report_notices__isnull=False)
            .order_by("pk")
        )
        from notifications.models import Notice

        channels = dict(Notice.objects.filter(pk__in=list(first.values())).values_list("pk", "channel"))
        rows = []
        for case in cases:
            pack = _pack(case, now)
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
            pack = _pack(case, now)
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
        delivered = sent + timedelta(days=LETTER_DELIVERY_DAYS) if notice.channel == "letter" else sent
        # The period in effect on the delivery date, never shorter than the one promised at creation.
        days = max(record.prenotice_days, _pack(case, delivered).credit_report_prenotice_days)
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

    waiting = CreditReportNotice.objects.filter(delivered_at__isnull=True, **_in_range(lo, hi)).values_list(
        "case_id", flat=True
    )
    sent = (
        Notice.objects.filter(
            case_id__in=list(waiting),
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
    """
    cutoff = _cutoff(as_of, now)
    notices = [
        _Row(*values)
        for values in CreditReportNotice.objects.filter(status__in=OPEN_STATUSES, **_in_range(lo, hi))
        .order_by("pk")
        .values_list(
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
        return 0, 0
    facts = _Facts.load(n.case_id for n in notices)
    changed = [
        (n, *target)
        for n in notices
        if (
            target := _evaluate(
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
        return 0, 0
    eligible = suppressed = 0
    with transaction.atomic():
        # Re-read under the lock: the export or a correction may have moved a record meanwhile; those are
        # left alone (the next run sees them as they are now).
        current = {
            pk: (status, reason)
            for pk, status, reason in CreditReportNotice.objects.select_for_update()
            .filter(pk__in=[n.pk for n, _status, _reason in changed])
            .order_by("pk")
            .values_list("pk", "status", "suppressed_reason")
        }
        still = [c for c in changed if current.get(c[0].pk) == (c[0].status, c[0].suppressed_reason)]
        # One UPDATE per new (status, reason): a day moves hundreds of records into a handful of states.
        targets: dict[tuple[str, str], list[int]] = {}
        for notice, status, reason in still:
            targets.setdefault((status, reason), []).append(notice.pk)
        for (status, reason), ids in targets.items():
            CreditReportNotice.objects.filter(pk__in=ids).update(status=status, suppressed_reason=reason)
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


# --- 3. corrections ---------------------------------------------------------------------------------


def _require_corrector(actor: Actor) -> None:
    user = actor.user
    if user is not None and not may(user, "credit_report.correct"):
        raise NotPermitted("Only a compliance officer or a supervisor corrects a credit report.")


def credit_report_correct(
    *,
    case_id: int,
    actor: Actor,
    reason: str,
    now: datetime | None = None,
    dispute_id: int | None = None,
) -> BureauRecord:
    """A correction record for the negative record reported on the case: the bureau removes it.

    Made when a credit-report, not-my-debt or identity-theft dispute is upheld (the daily cycle and the
    export find those, ``dispute_id`` names it) or when a compliance officer or supervisor finds the report
    was wrong. The case's ``CreditReportNotice`` becomes ``corrected``; the next feed carries the record.

    Safe to repeat: a negative record is corrected once, and a second call returns that correction.
    Raises ``NotPermitted`` (role, scope), ``InvalidInput`` (no reason; nothing reported on the case;
    ``correction_today``: the account already had a correction today, from another case).
    """
    now = now or timezone.now()
    _require_corrector(actor)
    if not reason.strip():
        raise InvalidInput("Say why the report is corrected.", code="reason_required")
    with transaction.atomic():
        case = lock_case(case_id)
        check_actor(actor, case, None, now)
        negative = (
            BureauRecord.objects.select_for_update()
            .filter(case=case, kind=BureauRecord.Kind.NEGATIVE)
            .order_by("pk")
            .first()
        )
        if negative is None:
            raise InvalidInput(
                "Nothing has been reported to the credit bureau for this case, so there is nothing to "
                "correct.",
                code="nothing_reported",
            )
        existing = BureauRecord.objects.filter(corrects=negative).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                correction = BureauRecord.objects.create(
                    account_id=negative.account_id,
                    case=case,
                    notice_id=negative.notice_id,
                    kind=BureauRecord.Kind.CORRECTION,
                    status_code=CORRECTION_CODE,
                    amount_band=negative.amount_band,
                    currency=negative.currency,
                    days_past_due=negative.days_past_due,
                    delinquent_since=negative.delinquent_since,
                    as_of=now.astimezone(UTC).date(),
                    dispute_marker=(
                        BureauRecord.DisputeMarker.DISPUTE_UPHELD
                        if dispute_id
                        else BureauRecord.DisputeMarker.NONE
                    ),
                    dispute_id=dispute_id,
                    corrects=negative,
                    reason=reason,
                    policy_version=_pack(case, now).version,
                    created_at=now,
                    created_by=actor.label,
                )
        except IntegrityError as exc:
            raise InvalidInput(
                "This account already has a correction dated today; make this one tomorrow.",
                code="correction_today",
            ) from exc
        CreditReportNotice.objects.filter(pk=negative.notice_id).update(
            status=S.CORRECTED, corrected_at=now, suppressed_reason=""
        )
        audit_append(
            actor=actor,
            action="credit_report.corrected",
            at=now,
            case=case,
            payload={
                "record": correction.pk,
                "corrects": negative.pk,
                "dispute": dispute_id,
                "reason": reason,
                "as_of": correction.as_of,
            },
        )
    return correction


def credit_report_corrections_due(
    *, now: datetime, lo: int | None = None, hi: int | None = None
) -> list[BureauRecord]:
    """Corrections for reported cases (accounts ``lo``..``hi``) with an upheld credit-report, not-my-debt
    or identity-theft dispute decided after the report. Returns the corrections made. Safe to repeat."""
    reported = BureauRecord.objects.filter(
        kind=BureauRecord.Kind.NEGATIVE, corrections__isnull=True, **_in_range(lo, hi)
    ).values_list("case_id", flat=True)
    upheld = (
        Dispute.objects.filter(
            case_id__in=list(reported), kind__in=CORRECTING_KINDS, status=Dispute.Status.UPHELD
        )
        .order_by("case_id", "resolved_at", "pk")
        .values_list("case_id", "pk", "kind")
    )
    first: dict[int, tuple[int, str]] = {}
    for case_id, dispute_id, kind in upheld:
        first.setdefault(case_id, (dispute_id, kind))
    made = []
    for case_id, (dispute_id, kind) in first.items():
        made.append(
            credit_report_correct(
                case_id=case_id,
                actor=CYCLE,
                reason=f"dispute {dispute_id} ({kind}) upheld",
                now=now,
                dispute_id=dispute_id,
            )
        )
    return made


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
    step.registered = credit_report_register(now=now, lo=lo, hi=hi)
    step.delivered = _record_deliveries(now=now, lo=lo, hi=hi)
    try:
        step.corrected = len(credit_report_corrections_due(now=now, lo=lo, hi=hi))
    except InvalidInput as exc:  # correction_today: the next run makes it
        step.errors.append(exc.message)
    step.eligible, step.suppressed = credit_report_refresh(as_of=as_of, now=now, lo=lo, hi=hi)
    return step


# --- 4. the feed -------------------------------------------------------------------------------------


@dataclass
class FeedReport:
    as_of: date
    path: str
    negatives: int = 0
    corrections: int = 0
    held_back: dict[int, str] = field(default_factory=dict)  # case id -> why no negative record

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "path": self.path,
            "negatives": self.negatives,
            "corrections": self.corrections,
            "held_back": {str(k): v for k, v in sorted(self.held_back.items())},
        }


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def feed_line(record: BureauRecord, notice: CreditReportNotice) -> dict[str, object]:
    """One JSON object of the feed (docs/bureau-feed.md). Keys are stable; new keys may be added."""
    return {
        "record_id": record.pk,
        "kind": record.kind,
        "account": record.account.account_number,
        "currency": record.currency,
        "status_code": record.status_code,
        "amount_band": record.amount_band,
        "days_past_due": record.days_past_due,
        "delinquent_since": _iso(record.delinquent_since),
        "as_of": _iso(record.as_of),
        "pre_notice_delivered_at": _iso(notice.delivered_at),
        "eligible_at": _iso(notice.eligible_at),
        "dispute_marker": record.dispute_marker,
        "corrects_record_id": record.corrects_id,
        "policy_version": record.policy_version,
    }


def _make_negative(
    notice: CreditReportNotice, case: CollectionCase, facts: _Facts, *, as_of: date, now: datetime
) -> BureauRecord:
    account = case.account
    pack = _pack(case, now)
    # Days past due at export (docs/bureau-feed.md): the cycle stores the number only at thresholds.
    days_past_due = account.days_past_due_on(as_of)
    grade = credit_impact(pack, days_past_due)
    return BureauRecord.objects.create(
        account=account,
        case=case,
        notice=notice,
        kind=BureauRecord.Kind.NEGATIVE,
        status_code=grade.status_code,
        amount_band=amount_band(account.total_due),
        currency=account.currency,
        days_past_due=days_past_due,
        delinquent_since=account.due_date,
        as_of=as_of,
        dispute_marker=(
            BureauRecord.DisputeMarker.PREVIOUSLY_DISPUTED
            if case.pk in facts.resolved_disputes
            else BureauRecord.DisputeMarker.NONE
        ),
        policy_version=pack.version,
        created_at=now,
        created_by=FEED.label,
    )


def _write_lines(path: Path, lines: list[dict[str, object]]) -> None:
    """Write the file atomically: a temporary file in the same folder, flushed to disk, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            for line in lines:
                out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def bureau_feed_export(
    *,
    as_of: date,
    out: Path | str,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FeedReport:
    """Write the bureau feed for ``as_of`` to ``out`` (JSON lines) and record each line as exported.

    In one transaction, holding the lock of every candidate case (a dispute opened meanwhile waits for
    the export, or the export sees it): corrections due are made; each case whose pre-notice was
    delivered and whose ``eligible_at`` is at or before the end of ``as_of`` (and ``now``) is checked
    again and, if nothing forbids it, gets its negative record (status code from its grade, amount band,
    dates); then every record not yet exported, negative or correction, is written to ``out``, stamped
    ``exported_at``/``feed_file`` and audited. The file is renamed into place before the commit: if the
    commit then failed, the next run would emit the same facts again (the bureau's de-duplication key is
    ``(account, kind, as_of)``), never lose them.

    Each run emits only records not exported before: a second run for the same date writes an empty
    file. Raises ``InvalidInput`` for an ``as_of`` after ``now``'s date.
    """
    now = now or timezone.now()
    path = Path(out)
    if as_of > now.astimezone(UTC).date():
        raise InvalidInput(f"A feed cannot be dated after today ({as_of.isoformat()}).", code="future_date")
    cutoff = _cutoff(as_of, now)
    report = FeedReport(as_of=as_of, path=str(path))
    with transaction.atomic():
        credit_report_corrections_due(now=now)
        candidate_cases = list(
            CreditReportNotice.objects.filter(
                status__in=OPEN_STATUSES, delivered_at__isnull=False, eligible_at__lte=cutoff
            ).values_list("case_id", flat=True)
        )
        cases = {
            c.pk: c
            for c in CollectionCase.objects.select_for_update(of=("self",))
            .select_related("account", "customer")
            .filter(pk__in=candidate_cases)
            .order_by("pk")
        }
        notices = list(
            CreditReportNotice.objects.select_for_update()
            .filter(case_id__in=list(cases), status__in=OPEN_STATUSES)
            .order_by("case_id")
        )
        facts = _Facts.load(cases)
        events: list[PendingEvent] = []
        for index, notice in enumerate(notices, start=1):
            if progress is not None:
                progress(index, len(notices))  # (candidates checked, candidates): a command's progress
            case = cases[notice.case_id]
            status, reason = _evaluate(notice, case, case.account, case.customer.jurisdiction, facts, cutoff)
            if status != S.ELIGIBLE:
                report.held_back[case.pk] = reason or "the pre-notice period has not passed"
                continue
            if BureauRecord.objects.filter(account_id=case.account_id, kind="negative", as_of=as_of).exists():
                report.held_back[case.pk] = "the account already has a negative record for this date"
                continue
            record = _make_negative(notice, case, facts, as_of=as_of, now=now)
            notice.status, notice.suppressed_reason, notice.reported_at = S.REPORTED, "", now
            notice.save(update_fields=["status", "suppressed_reason", "reported_at"])
            events.append(
                PendingEvent(
                    action="credit_report.reported",
                    case_id=case.pk,
                    actor=FEED,
                    payload={
                        "record": record.pk,
                        "credit_report_notice": notice.pk,
                        "status_code": record.status_code,
                        "amount_band": record.amount_band,
                        "days_past_due": record.days_past_due,
                        "as_of": as_of,
                        "eligible_at": notice.eligible_at,
                        "feed_file": str(path),
                    },
                )
            )
        pending = list(
            BureauRecord.objects.select_for_update(of=("self",))
            .select_related("account", "notice")
            .filter(exported_at__isnull=True)
            .order_by("pk")
        )
        _write_lines(path, [feed_line(r, r.notice) for r in pending])
        BureauRecord.objects.filter(pk__in=[r.pk for r in pending]).update(
            exported_at=now, feed_file=str(path)[:255]
        )
        for record in pending:
            if record.kind == BureauRecord.Kind.NEGATIVE:
                report.negatives += 1
            else:
                report.corrections += 1
                events.append(
                    PendingEvent(
                        action="credit_report.correction_exported",
                        case_id=record.case_id,
                        actor=FEED,
                        payload={"record": record.pk, "corrects": record.corrects_id, "feed_file": str(path)},
                    )
                )
        audit_append_many(events, at=now)
    return report


# --- reads -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditReportView:
    """What staff see for a case: its grade, its pre-notice record, why it would or would not be
    reported now, and the records sent."""

    grade_code: str
    status_code: str
    texts: dict[str, dict[str, str]]
    notice: CreditReportNotice | None
    reportable_now: bool
    reason: str
    records: list[BureauRecord]


def credit_report_view(case: CollectionCase, now: datetime) -> CreditReportView:
    """Read-only: the case's credit-reporting position at ``now`` (both locales' texts)."""
    from debt_collections.policies import grade_text

    pack = _pack(case, now)
    grade = credit_impact(pack, case.account.days_past_due)
    notice = CreditReportNotice.objects.filter(case=case).first()
    facts = _Facts.load([case.pk])
    reason = suppression_reason(case, case.account, pack, facts)
    if notice is None or notice.delivered_at is None:
        reason = reason or "no credit-report pre-notice has been delivered"
    elif notice.status in (S.REPORTED, S.CORRECTED):
        reason = f"already {notice.status}"
    elif notice.eligible_at is not None and notice.eligible_at > now:
        reason = reason or f"the pre-notice period runs until {_iso(notice.eligible_at)}"
    return CreditReportView(
        grade_code=grade.code,
        status_code=grade.status_code,
        texts={locale: grade_text(grade, locale)._asdict() for locale in ("zh-hans", "en")},
        notice=notice,
        reportable_now=not reason,
        reason=reason,
        records=list(BureauRecord.objects.filter(case=case).order_by("pk")),
    )
