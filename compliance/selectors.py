"""Reads for the workspace: case search, verification runs, the agency register, the retention review,
the template queue and the span of an audit export. The case timeline is in ``compliance.timeline``.

Everything is read-only. Case reads go through ``debt_collections.selectors.case_list_for`` so the
workspace never shows a case its user could not see elsewhere.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from accounts.models import Agency, User
from compliance.models import AuditVerification
from debt_collections.models import (
    TERMINAL,
    AuditChainHead,
    AuditEvent,
    AuditSeal,
    CollectionCase,
)
from debt_collections.policies import PACK_CHOICES, get_pack
from debt_collections.selectors import case_list_for
from notifications.models import NoticeTemplate

SEARCH_LIMIT = 50
MIN_PARTIAL_DIGITS = 6
# A run with no result after this long lost its worker: the page stops refreshing and offers a new run.
STALLED_AFTER = timedelta(hours=1)
AGENCY_WARNING_DAYS = 30


# --- cases --------------------------------------------------------------------------------------------


def search_cases(user: User, query: str) -> QuerySet[CollectionCase]:
    """Cases matching a case id (``123`` or ``#123``), an account number or part of one, or part of a
    customer's name. A short number (under ``MIN_PARTIAL_DIGITS`` digits) is a case id or a whole account
    number only: "79" should find case 79, not every account with a 7 and a 9 in it."""
    text = query.strip()
    if not text:
        return CollectionCase.objects.none()
    digits = text.removeprefix("#")
    if digits.isdigit():
        # (a number too long for a primary key is still worth trying as an account number)
        condition = Q(account__account_number__iexact=digits)
        if len(digits) <= 18:
            condition |= Q(pk=int(digits))
        if len(digits) >= MIN_PARTIAL_DIGITS and not text.startswith("#"):
            condition |= Q(account__account_number__icontains=digits)
    else:
        condition = Q(account__account_number__icontains=text) | Q(customer__full_name__icontains=text)
    return case_list_for(user).filter(condition).order_by("-opened_at", "pk")[:SEARCH_LIMIT]


def case_for(user: User, case_id: int) -> CollectionCase:
    """The case if ``user`` may see it; 404 otherwise."""
    return get_object_or_404(case_list_for(user), pk=case_id)


# --- audit-chain verification ---------------------------------------------------------------------------


def latest_verification() -> AuditVerification | None:
    return AuditVerification.objects.select_related("started_by").order_by("-started_at", "-pk").first()


def recent_verifications(limit: int = 10) -> QuerySet[AuditVerification]:
    return AuditVerification.objects.select_related("started_by").order_by("-started_at", "-pk")[:limit]


def is_stalled(run: AuditVerification, now: datetime) -> bool:
    return run.finished_at is None and run.started_at < now - STALLED_AFTER


def running_verification(now: datetime) -> AuditVerification | None:
    """A run still in progress (not stalled), if any."""
    return (
        AuditVerification.objects.filter(finished_at__isnull=True, started_at__gte=now - STALLED_AFTER)
        .order_by("-started_at")
        .first()
    )


def chain_head_seq() -> int:
    """Events in every audit chain (the sum of the chains' head seqs): what a verification covers."""
    return int(AuditChainHead.objects.aggregate(n=Sum("last_seq"))["n"] or 0)


@dataclass(frozen=True)
class SealStatus:
    """Signed checkpoints for the chain status: the last published, and a failure since (the alert)."""

    last_ok: AuditSeal | None
    failure: AuditSeal | None  # the latest failed attempt, if none succeeded after it
    unsealed: int  # events after the last published checkpoint
    key_fingerprint: str


def seal_status(head_seq: int) -> SealStatus:
    from debt_collections.kernel.audit_keys import audit_keys

    last_ok = AuditSeal.objects.filter(ok=True).order_by("-at", "-pk").first()
    failed = AuditSeal.objects.filter(ok=False)
    if last_ok is not None:
        failed = failed.filter(at__gte=last_ok.at)
    sealed = (last_ok.seq or 0) if last_ok is not None else 0
    return SealStatus(
        last_ok=last_ok,
        failure=failed.order_by("-at", "-pk").first(),
        unsealed=max(0, head_seq - sealed),
        key_fingerprint=audit_keys().fingerprint,
    )


# --- agencies ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyStatus:
    agency: Agency
    status: str  # valid | expiring | expired | not_started
    label: str
    valid_until: date
    days_left: int
    reason: str
    open_cases: int
    users: int

    @property
    def warning(self) -> bool:
        return self.status != "valid"


def agency_status(agency: Agency, today: date, *, open_cases: int = 0, users: int = 0) -> AgencyStatus:
    """Valid, expiring within ``AGENCY_WARNING_DAYS``, expired (licence or contract), or not yet started.

    Mirrors ``Agency.is_valid_on``: the licence and the contract must both cover the day, end days
    included.
    """
    until = min(agency.licensed_until, agency.contract_end)
    days_left = (until - today).days
    if agency.contract_start > today:
        status, label = "not_started", "Contract not started"
        reason = f"contract starts {agency.contract_start.isoformat()}"
    elif not agency.is_valid_on(today):
        status, label = "expired", "Expired"
        ended = []
        if agency.licensed_until < today:
            ended.append(f"licence expired {agency.licensed_until.isoformat()}")
        if agency.contract_end < today:
            ended.append(f"contract ended {agency.contract_end.isoformat()}")
        reason = "; ".join(ended)
    elif days_left <= AGENCY_WARNING_DAYS:
        status, label = "expiring", f"Expiring in {days_left} day{'s' if days_left != 1 else ''}"
        what = "licence" if agency.licensed_until <= agency.contract_end else "contract"
        reason = f"{what} ends {until.isoformat()}"
    else:
        status, label, reason = "valid", "Valid", ""
    return AgencyStatus(agency, status, label, until, days_left, reason, open_cases, users)


def agency_register(today: date) -> list[AgencyStatus]:
    """Every agency with its status today, open cases placed with it and its number of active users."""
    agencies = Agency.objects.annotate(
        open_cases=Count("cases", filter=~Q(cases__state__in=TERMINAL), distinct=True),
        active_users=Count("users", filter=Q(users__is_active=True), distinct=True),
    ).order_by("name")
    return [agency_status(a, today, open_cases=a.open_cases, users=a.active_users) for a in agencies]


def agency_warnings(today: date) -> list[AgencyStatus]:
    """Agencies that are expired, not yet started or expiring within the warning period, soonest first."""
    return sorted((s for s in agency_register(today) if s.warning), key=lambda s: s.valid_until)


# --- retention --------------------------------------------------------------------------------------------


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class RetentionPack:
    code: str
    name: str
    version: str
    retention_years: int
    cutoff: date
    cases: int
    audit_events: int


def _past_retention(code: str, cutoff: date) -> QuerySet[CollectionCase]:
    return CollectionCase.objects.filter(
        customer__jurisdiction=code,
        state__in=TERMINAL,
        closed_at__lt=datetime.combine(cutoff, time.min, tzinfo=UTC),
    )


def retention_review(today: date, *, limit: int = 200) -> tuple[list[RetentionPack], list[CollectionCase]]:
    """Per pack, the cases resolved or closed before ``today`` minus the pack's ``retention_years``; and up
    to ``limit`` of those cases, the longest-closed first. Charged-off cases are not finished, so never
    listed. Nothing is deleted here (or anywhere: the audit chain is append-only)."""
    packs: list[RetentionPack] = []
    cases: list[CollectionCase] = []
    for code, name in PACK_CHOICES:
        pack = get_pack(code, today)
        cutoff = years_before(today, pack.retention_years)
        due = _past_retention(code, cutoff)
        events = AuditEvent.objects.filter(case_id__in=due.values("pk")).count()
        packs.append(
            RetentionPack(code, name, pack.version, pack.retention_years, cutoff, due.count(), events)
        )
        cases.extend(due.select_related("customer", "account").order_by("closed_at")[:limit])
    cases.sort(key=lambda c: c.closed_at or datetime.min.replace(tzinfo=UTC))
    return packs, cases[:limit]


# --- notice templates ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    kind: str  # same | added | removed
    text: str


@dataclass(frozen=True)
class DraftReview:
    draft: NoticeTemplate
    approved: NoticeTemplate | None
    diff: list[DiffLine]
    changes: list[str]  # other fields that differ (subject, flags)


def line_diff(old: str, new: str) -> list[DiffLine]:
    """A full line diff of two texts (every line, marked same, added or removed); plain data to escape."""
    kinds = {" ": "same", "+": "added", "-": "removed"}
    return [
        DiffLine(kinds[line[0]], line[2:])
        for line in difflib.ndiff(old.splitlines(), new.splitlines())
        if line[:1] in kinds
    ]


def _field_changes(draft: NoticeTemplate, approved: NoticeTemplate | None) -> list[str]:
    if approved is None:
        return ["new text: no approved version of this key, channel and locale yet"]
    changes = []
    if draft.subject != approved.subject:
        changes.append(f"subject: “{approved.subject}” → “{draft.subject}”")
    for flag in ("limited_content", "is_service"):
        if getattr(draft, flag) != getattr(approved, flag):
            changes.append(f"{flag}: {getattr(approved, flag)} → {getattr(draft, flag)}")
    return changes


def draft_reviews() -> list[DraftReview]:
    """Every draft, with the diff against the approved version of the same key, channel and locale."""
    drafts = NoticeTemplate.objects.filter(status=NoticeTemplate.Status.DRAFT).select_related("author")
    approved = {
        (t.key, t.channel, t.locale): t
        for t in NoticeTemplate.objects.filter(status=NoticeTemplate.Status.APPROVED)
    }
    reviews = []
    for draft in drafts.order_by("key", "channel", "locale", "version"):
        current = approved.get((draft.key, draft.channel, draft.locale))
        reviews.append(
            DraftReview(
                draft=draft,
                approved=current,
                diff=line_diff(current.body if current else "", draft.body),
                changes=_field_changes(draft, current),
            )
        )
    return reviews


def templates_with_status(status: str) -> QuerySet[NoticeTemplate]:
    return NoticeTemplate.objects.filter(status=status).select_related("author", "approved_by")


def template_versions(template: NoticeTemplate) -> QuerySet[NoticeTemplate]:
    """Every version of the same key, channel and locale, newest first (retired ones included)."""
    return NoticeTemplate.objects.filter(
        key=template.key, channel=template.channel, locale=template.locale
    ).order_by("-version")


# The export span lives in its own module; re-exported here, where entry points look for reads.
from compliance.export_span import ChainSpan, ExportSpan, audit_export_span  # noqa: E402, F401
