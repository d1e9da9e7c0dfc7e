"""The verified page's credit sections: what the account's days past due mean for the customer's credit
record and where reporting stands, and the credit-limit changes with their appeal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from django.utils.translation import gettext, ngettext

from accounts.models import CreditLimitChange
from debt_collections import selectors
from debt_collections.credit.selectors import limit_changes_for_case
from debt_collections.customer.formatting import local_date, local_datetime, money, page_locale
from debt_collections.models import CaseState, CreditReportNotice, NegotiationLink
from debt_collections.policies.credit_impact import credit_impact, grade_text
from debt_collections.policies.limit_texts import reason_text

# A change the customer can still appeal (``credit.limit_change_appeal`` refuses the others).
LIMIT_STATUS = CreditLimitChange.Status
APPEALABLE: Final = (LIMIT_STATUS.SCHEDULED, LIMIT_STATUS.APPLIED)


@dataclass(frozen=True)
class CreditImpactView:
    """The grade for the account's days past due (``policies.credit_impact``), in the page's language,
    and where this case stands with reporting now (``status``, zero or more sentences)."""

    what: str
    reads_as: str
    stays: str
    what_you_can_do: str
    status: list[str]


def credit_report_status(link: NegotiationLink, *, disputed: bool, plan_kept: bool) -> list[str]:
    """Why nothing is reported now (an open dispute, a plan being kept, a pause), and, once a
    ``credit_report.pre_notice`` is on record (``CreditReportNotice``), from when reporting is possible or
    what was reported. The same facts ``credit.reporting`` checks before it reports anything."""
    case = link.case
    sentences = []
    if disputed:
        sentences.append(gettext("You have an open dispute, so nothing is reported until we have replied."))
    elif plan_kept:
        sentences.append(gettext("While you keep to your repayment plan, nothing new is reported."))
    elif case.state == CaseState.ON_HOLD:
        sentences.append(gettext("While your account is paused, nothing is reported."))
    suppressed = bool(sentences)
    notice = CreditReportNotice.objects.filter(case=case).first()
    if notice is None:
        return sentences
    status = CreditReportNotice.Status
    if notice.status == status.REPORTED and notice.reported_at is not None:
        sentences.append(
            gettext("We reported this account to the credit bureau on %(date)s.")
            % {"date": local_date(notice.reported_at, link)}
        )
    elif notice.status == status.CORRECTED and notice.corrected_at is not None:
        sentences.append(
            gettext("The record we reported was corrected on %(date)s.")
            % {"date": local_date(notice.corrected_at, link)}
        )
    elif suppressed:
        pass
    elif notice.status == status.SUPPRESSED:
        sentences.append(gettext("Nothing is reported at the moment."))
    elif notice.delivered_at is None or notice.eligible_at is None:
        sentences.append(
            ngettext(
                "We have sent you a written advance notice. Reporting can start no earlier than %(days)d "
                "day after it reaches you.",
                "We have sent you a written advance notice. Reporting can start no earlier than %(days)d "
                "days after it reaches you.",
                notice.prenotice_days,
            )
            % {"days": notice.prenotice_days}
        )
    else:
        sentences.append(
            gettext(
                "Our written advance notice reached you on %(delivered)s, so reporting is possible from "
                "%(date)s."
            )
            % {
                "delivered": local_date(notice.delivered_at, link),
                "date": local_date(notice.eligible_at, link),
            }
        )
    return sentences


def credit_impact_view(
    link: NegotiationLink, now: datetime, *, disputed: bool, plan_kept: bool
) -> CreditImpactView:
    """What is (or is not yet) reported to the credit bureau for the account's days past due, how it
    reads, how long it stays, what the customer can do now, and where this case stands."""
    case = link.case
    grade = credit_impact(selectors.case_pack(case, now), case.account.days_past_due)
    text = grade_text(grade, page_locale())
    return CreditImpactView(
        what=text.what,
        reads_as=text.reads_as,
        stays=text.stays,
        what_you_can_do=text.what_you_can_do,
        status=credit_report_status(link, disputed=disputed, plan_kept=plan_kept),
    )


# --- credit-limit changes -------------------------------------------------------------------------


@dataclass(frozen=True)
class LimitChangeView:
    id: int
    change: str
    reason: str
    decided_by: str
    effective_label: str
    effective_at: str
    status: str
    appealed_on: str
    decision: str
    review_note: str
    can_appeal: bool
    # The appeal form (``views.render_page`` adds it for a change that can be appealed).
    form: Any = None


def can_appeal(change: CreditLimitChange) -> bool:
    """Not appealed yet, and scheduled or in effect (``limit_change_appeal`` refuses the others)."""
    return change.appealed_at is None and change.status in APPEALABLE


def _limit_status(change: CreditLimitChange) -> str:
    ST = LIMIT_STATUS
    if change.status == ST.UNDER_REVIEW:
        if change.applied_at is None:
            return gettext(
                "Under review: a person is looking at your appeal. The change does not take effect until "
                "they decide."
            )
        return gettext(
            "Under review: a person is looking at your appeal. The change stays in effect until they decide."
        )
    labels = {
        ST.SCHEDULED: gettext("Scheduled: not in effect yet"),
        ST.APPLIED: gettext("In effect"),
        ST.CANCELLED: gettext("Cancelled: it will not take effect"),
        ST.REVERSED: gettext("Reversed after review: your previous limit applies again"),
    }
    return labels.get(ST(change.status), "")


def limit_change_view(change: CreditLimitChange, link: NegotiationLink) -> LimitChangeView:
    currency = link.case.account.currency
    if change.is_freeze:
        what = gettext(
            "Frozen: you cannot draw on your credit line. The limit stays %(limit)s %(currency)s."
        ) % {
            "limit": money(change.old_limit),
            "currency": currency,
        }
    else:
        what = gettext("Reduced from %(old)s to %(new)s %(currency)s") % {
            "old": money(change.old_limit),
            "new": money(change.new_limit),
            "currency": currency,
        }
    # When it takes (or took, or would have taken) effect, in the customer's local time.
    if change.status == LIMIT_STATUS.REVERSED and change.applied_at is not None:
        effective_label, effective = gettext("Was in effect from"), change.applied_at
    elif change.applied_at is not None:
        effective_label, effective = gettext("In effect since"), change.applied_at
    elif change.status == LIMIT_STATUS.CANCELLED:
        effective_label, effective = gettext("Was to take effect on"), change.effective_at
    elif change.status == LIMIT_STATUS.UNDER_REVIEW:
        effective_label, effective = gettext("Planned for"), change.effective_at
    else:
        effective_label, effective = gettext("Takes effect on"), change.effective_at
    decisions: dict[str, str] = {
        CreditLimitChange.Decision.UPHELD: gettext("Decision on your appeal: the change stands."),
        CreditLimitChange.Decision.REVERSED: gettext("Decision on your appeal: the change is reversed."),
    }
    return LimitChangeView(
        id=change.pk,
        change=what,
        reason=reason_text(change, page_locale()),
        decided_by=gettext("An automated system") if change.automated else gettext("A member of our staff"),
        effective_label=effective_label,
        effective_at=local_datetime(effective, link),
        status=_limit_status(change),
        appealed_on=local_date(change.appealed_at, link) if change.appealed_at is not None else "",
        decision=decisions.get(change.appeal_decision, ""),
        review_note=change.review_note.strip() if change.appeal_decision else "",
        can_appeal=can_appeal(change),
    )


def limit_change_views(link: NegotiationLink) -> list[LimitChangeView]:
    """The account's credit-limit changes, newest first: the list the appeal action checks against."""
    return [limit_change_view(change, link) for change in limit_changes_for_case(link.case)]
