"""Reads for credit reporting and credit-limit changes: what the services, the admin, the API and the
customer page look up. No writes; the rules they feed are in ``policies.credit_reporting``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Final

from django.db.models import QuerySet

from accounts.models import ContactPoint, CreditAccount, CreditLimitChange, Customer, User
from debt_collections.models import (
    LIVE_PLAN_STATES,
    BureauRecord,
    CollectionCase,
    CreditReportNotice,
    Dispute,
    RepaymentPlan,
)
from debt_collections.policies import credit_impact, get_pack, grade_text
from debt_collections.policies.credit_impact import PRE_NOTICE_KEY
from debt_collections.policies.credit_reporting import (
    CONDUCT_COMPLAINT,
    CORRECTING_KINDS,
    FINAL_STATUSES,
    ReportFacts,
    suppression_reason,
)

if TYPE_CHECKING:
    from notifications.models import Notice

LIMIT_NOTICE_KEY: Final = "credit_limit.notice"


def iso(value: datetime | date | None) -> str | None:
    """A date, or an instant in UTC with ``Z``, as the feed and the reasons write them."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


# --- credit reporting -------------------------------------------------------------------------------


def report_facts(case_ids: Iterable[int]) -> ReportFacts:
    """The disputes and live plans of these cases, in two queries whatever their number."""
    ids = list(case_ids)
    open_disputes: dict[int, list[str]] = {}
    upheld: set[int] = set()
    resolved: set[int] = set()
    for case_id, kind, status in Dispute.objects.filter(case_id__any=ids).values_list(
        "case_id", "kind", "status"
    ):
        if status == Dispute.Status.OPEN:
            open_disputes.setdefault(case_id, []).append(kind)
        elif status == Dispute.Status.UPHELD and kind in CORRECTING_KINDS:
            upheld.add(case_id)
        elif kind != CONDUCT_COMPLAINT:
            resolved.add(case_id)
    plans = set(
        RepaymentPlan.objects.filter(case_id__any=ids, state__in=LIVE_PLAN_STATES).values_list(
            "case_id", flat=True
        )
    )
    return ReportFacts(open_disputes, upheld, resolved, plans)


def pre_notices(**bounds: int) -> QuerySet[Notice]:
    """``credit_report.pre_notice`` notices queued, being sent or sent (not blocked or failed)."""
    from notifications.models import Notice

    return Notice.objects.filter(
        template__key=PRE_NOTICE_KEY,
        status__in=[Notice.Status.PENDING, Notice.Status.SENDING, Notice.Status.SENT],
        **bounds,
    )


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
    pack = get_pack(case.customer.jurisdiction, now.date())
    grade = credit_impact(pack, case.account.days_past_due)
    notice = CreditReportNotice.objects.filter(case=case).first()
    reason = suppression_reason(case, case.account, pack, report_facts([case.pk]))
    if notice is None or notice.delivered_at is None:
        reason = reason or "no credit-report pre-notice has been delivered"
    elif notice.status in FINAL_STATUSES:
        reason = f"already {notice.status}"
    elif notice.eligible_at is not None and notice.eligible_at > now:
        reason = reason or f"the pre-notice period runs until {iso(notice.eligible_at)}"
    return CreditReportView(
        grade_code=grade.code,
        status_code=grade.status_code,
        texts={locale: grade_text(grade, locale)._asdict() for locale in ("zh-hans", "en")},
        notice=notice,
        reportable_now=not reason,
        reason=reason,
        records=list(BureauRecord.objects.filter(case=case).order_by("pk")),
    )


# --- credit-limit changes ---------------------------------------------------------------------------


def best_verified_point(customer: Customer) -> ContactPoint | None:
    """Where a limit notice goes: the customer's verified phone, else email, else postal address."""
    verified = ContactPoint.objects.filter(customer=customer, status=ContactPoint.Status.VERIFIED)
    for kind in (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL, ContactPoint.Kind.POSTAL):
        point = verified.filter(kind=kind).order_by("-verified_at", "pk").first()
        if point is not None:
            return point
    return None


def notices_of(change: CreditLimitChange, key: str) -> QuerySet[Notice]:
    """The notices ``key`` queued for ``change``, oldest first."""
    from notifications.models import Notice

    # The change's id travels in the notice's stored context (the outbox has no column for it).
    return Notice.objects.filter(template__key=key, context__limit_change=change.pk).order_by("pk")


def case_for_change(change: CreditLimitChange) -> CollectionCase | None:
    """The case the change's notices go out on: its notice's case, else the account's latest case."""
    notice = notices_of(change, LIMIT_NOTICE_KEY).select_related("case").first()
    if notice is not None:
        return notice.case
    return CollectionCase.objects.filter(account_id=change.account_id).order_by("-opened_at", "-pk").first()


def notice_sent_at(change: CreditLimitChange) -> datetime | None:
    """When the change's ``credit_limit.notice`` was sent, if it was."""
    from notifications.models import Notice

    return (
        notices_of(change, LIMIT_NOTICE_KEY)
        .filter(status=Notice.Status.SENT, sent_at__isnull=False)
        .values_list("sent_at", flat=True)
        .first()
    )


def limit_changes_for_case(case: CollectionCase) -> QuerySet[CreditLimitChange]:
    """The changes of the case's account, newest first: what the negotiation page may show and appeal."""
    return CreditLimitChange.objects.filter(account_id=case.account_id).order_by("-created_at", "-pk")


def limit_change_appeal_queue(user: User) -> QuerySet[CreditLimitChange]:
    """Changes under review that ``user`` may decide, oldest appeal first (the supervisors' queue)."""
    qs = CreditLimitChange.objects.filter(status=CreditLimitChange.Status.UNDER_REVIEW).select_related(
        "account", "requested_by"
    )
    if not (user.is_active and user.is_staff) or user.agency_id is not None:
        return qs.none()
    if not (user.is_superuser or user.is_supervisor):
        return qs.none()
    return qs.order_by("appealed_at", "pk")


def account_is_frozen(account: CreditAccount) -> bool:
    """True while the account's latest change in effect is a freeze."""
    latest = (
        CreditLimitChange.objects.filter(account=account, applied_at__isnull=False)
        .exclude(status=CreditLimitChange.Status.REVERSED)
        .order_by("-applied_at", "-pk")
        .first()
    )
    return latest is not None and latest.is_freeze
