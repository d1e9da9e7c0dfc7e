"""What the verified page shows, as plain values for the templates (no logic in the templates).

Only built for a verified session: nothing here may reach a response before the identity check.
Options come from the same selector the plan services use, so what the customer sees is what
``plan_accept_option`` will accept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from accounts.models import ContactPoint, CreditLimitChange
from debt_collections import selectors
from debt_collections.credit.selectors import limit_changes_for_case
from debt_collections.customer.forms import DISPUTE_KINDS, OPT_OUT_CHANNELS, WAIVER_COMPONENTS
from debt_collections.customer.help import help_for_case
from debt_collections.customer.messages import BY_CODE
from debt_collections.models import (
    CaseState,
    CreditReportNotice,
    Dispute,
    NegotiationLink,
    PlanState,
    RepaymentPlan,
)
from debt_collections.policies import HARDSHIP, PAY_IN_FULL, NegotiationOptions, Option
from debt_collections.policies.credit_impact import credit_impact, grade_text
from debt_collections.policies.limit_texts import reason_text
from debt_collections.policies.localtime import customer_zone

# A change the customer can still appeal (``credit.limit_change_appeal`` refuses the others).
LIMIT_STATUS = CreditLimitChange.Status
APPEALABLE: Final = (LIMIT_STATUS.SCHEDULED, LIMIT_STATUS.APPLIED)
# Channels a person can stop on each kind of contact point.
CHANNELS_FOR_KIND: dict[str, list[str]] = {
    ContactPoint.Kind.PHONE.value: ["sms", "call"],
    ContactPoint.Kind.EMAIL.value: ["email"],
}


def rate(value: Decimal) -> str:
    """An annual rate as stored (3 places), without a trailing zero: ``18.250`` → ``18.25``, ``9.125``."""
    text = f"{value:.3f}"
    return text[:-1] if text.endswith("0") else text


def money(value: Decimal) -> str:
    """``1234.5`` → ``"1,234.50"``: the same text in both languages (digits and separators are shared)."""
    return f"{value:,.2f}"


@dataclass(frozen=True)
class Row:
    label: str
    amount: str
    rate: str = ""


@dataclass(frozen=True)
class Payment:
    number: int
    due_date: date
    amount: str
    paid: bool = False


@dataclass(frozen=True)
class OptionView:
    code: str
    title: str
    summary: str
    total: str
    per_month: str = ""
    schedule: list[Payment] = field(default_factory=list)


@dataclass(frozen=True)
class PlanView:
    id: int
    title: str
    total: str
    state: str
    schedule: list[Payment]
    cooling_off_until: datetime | None
    can_withdraw: bool


def zone_of(link: NegotiationLink) -> ZoneInfo:
    """The customer's time zone: dates and times on the page are the customer's local ones."""
    return customer_zone(link.case.customer)


def option_title(option: Option) -> str:
    if option.code == PAY_IN_FULL:
        return gettext("Pay in full")
    if option.code == HARDSHIP:
        return gettext("Ask for a hardship waiver")
    if option.plan_kind == RepaymentPlan.Kind.DEFERRAL and option.deferral_days:
        return ngettext("Pay later: in %(days)d day", "Pay later: in %(days)d days", option.deferral_days) % {
            "days": option.deferral_days
        }
    return ngettext("%(months)d monthly payment", "%(months)d monthly payments", option.months) % {
        "months": option.months
    }


def _summary(option: Option, currency: str) -> str:
    first = option.first_due_date
    if option.code == HARDSHIP:
        return gettext(
            "If a person approves it, we waive up to %(amount)s %(currency)s of fees and penalty interest."
        ) % {"amount": money(option.waivable), "currency": currency}
    if first is None:
        return ""
    if option.code == PAY_IN_FULL or option.plan_kind == RepaymentPlan.Kind.DEFERRAL:
        return gettext("One payment, due %(date)s.") % {"date": _date(first)}
    return gettext("First payment due %(date)s, then on the same day each month.") % {"date": _date(first)}


def _date(day: date) -> str:
    return date_format(day, "DATE_FORMAT")


def option_views(options: NegotiationOptions) -> list[OptionView]:
    views = []
    for option in options.options:
        views.append(
            OptionView(
                code=option.code,
                title=option_title(option),
                summary=_summary(option, options.currency),
                total=money(option.total),
                per_month=money(option.monthly_amount) if option.monthly_amount is not None else "",
                schedule=[Payment(p.number, p.due_date, money(p.amount)) for p in option.schedule]
                if option.months > 1
                else [],
            )
        )
    return views


def withheld_texts(options: NegotiationOptions) -> list[str]:
    texts = {
        "plan": gettext(
            "You already have a plan. To choose another, withdraw from it during the free withdrawal "
            "period, or complete it."
        ),
        "installment": gettext("The balance is too small to split into monthly payments."),
        "deferral": gettext("A payment break can only be agreed once in 12 months, and it has been used."),
    }
    return [texts[key] for key in options.withheld if key in texts]


def plan_view(plan: RepaymentPlan, now: datetime) -> PlanView:
    if plan.kind == RepaymentPlan.Kind.INSTALLMENT:
        title = ngettext("%(months)d monthly payment", "%(months)d monthly payments", plan.months) % {
            "months": plan.months
        }
    elif plan.kind == RepaymentPlan.Kind.DEFERRAL:
        title = gettext("Pay later")
    else:
        title = gettext("Pay in full")
    states = {
        PlanState.ACCEPTED: gettext("Confirmed (free withdrawal period)"),
        PlanState.ACTIVE: gettext("Running"),
    }
    can_withdraw = (
        plan.state == PlanState.ACCEPTED
        and plan.cooling_off_until is not None
        and now < plan.cooling_off_until
    )
    return PlanView(
        id=plan.pk,
        title=title,
        total=money(plan.total),
        state=states.get(PlanState(plan.state), ""),
        schedule=[
            Payment(i.number, i.due_date, money(i.amount), paid=i.is_paid) for i in plan.installments.all()
        ],
        cooling_off_until=plan.cooling_off_until,
        can_withdraw=can_withdraw,
    )


def balance_rows(link: NegotiationLink) -> list[Row]:
    account = link.case.account
    return [
        Row(gettext("Principal"), money(account.principal)),
        Row(
            gettext("Interest"),
            money(account.interest),
            gettext("%(rate)s%% a year") % {"rate": rate(account.interest_rate_apr)},
        ),
        Row(gettext("Fees"), money(account.fees)),
        Row(
            gettext("Penalty interest"),
            money(account.penalty_interest),
            gettext("%(rate)s%% a year") % {"rate": rate(account.penalty_rate_apr)},
        ),
    ]


def page_locale() -> str:
    """The page's language as the domain texts name it (``zh-hans`` or ``en``): the one the customer
    reads the page in, which they may have switched from their stored locale."""
    return "zh-hans" if (translation.get_language() or "").lower().startswith("zh") else "en"


def _local_date(value: datetime, link: NegotiationLink) -> str:
    return date_format(timezone.localtime(value, zone_of(link)), "DATE_FORMAT")


def _local_datetime(value: datetime, link: NegotiationLink) -> str:
    return date_format(timezone.localtime(value, zone_of(link)), "DATETIME_FORMAT")


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
            % {"date": _local_date(notice.reported_at, link)}
        )
    elif notice.status == status.CORRECTED and notice.corrected_at is not None:
        sentences.append(
            gettext("The record we reported was corrected on %(date)s.")
            % {"date": _local_date(notice.corrected_at, link)}
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
                "delivered": _local_date(notice.delivered_at, link),
                "date": _local_date(notice.eligible_at, link),
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
        effective_at=_local_datetime(effective, link),
        status=_limit_status(change),
        appealed_on=_local_date(change.appealed_at, link) if change.appealed_at is not None else "",
        decision=decisions.get(change.appeal_decision, ""),
        review_note=change.review_note.strip() if change.appeal_decision else "",
        can_appeal=can_appeal(change),
    )


def limit_change_views(link: NegotiationLink) -> list[LimitChangeView]:
    """The account's credit-limit changes, newest first: the list the appeal action checks against."""
    return [limit_change_view(change, link) for change in limit_changes_for_case(link.case)]


def page_context(link: NegotiationLink, now: datetime) -> dict[str, Any]:
    """Everything the verified page shows."""
    case = link.case
    account = case.account
    customer = case.customer
    options = selectors.negotiation_options(case=case, now=now)
    views = option_views(options)
    # A plan can start only from these states (the plan services refuse the others); a live plan
    # (on_plan) is explained by the options' own ``withheld`` text.
    plans_open = case.state in (CaseState.EARLY, CaseState.ACTIVE, CaseState.NEGOTIATING, CaseState.ON_PLAN)
    closed_text = (
        str(BY_CODE["case_on_hold"])
        if case.state == CaseState.ON_HOLD
        else gettext("To agree a plan, please call us on %(phone)s.")
        % {"phone": help_for_case(case, translation.get_language() or customer.locale).lender_phone}
    )
    plan = selectors.live_plan(case)
    disputes = [d for d in selectors.disputes_for_case(case) if d.status == Dispute.Status.OPEN]
    kind_labels = dict(DISPUTE_KINDS) | {Dispute.Kind.CONDUCT_COMPLAINT.value: gettext("Complaint")}
    point = link.contact_point
    opt_out_channels: list[tuple[str, str]] = []
    if point is not None and point.status != ContactPoint.Status.WRONG_PARTY:
        done = set(point.opted_out_channels or [])
        opt_out_channels = [
            (c, str(OPT_OUT_CHANNELS[c])) for c in CHANNELS_FOR_KIND.get(point.kind, []) if c not in done
        ]
    components = [
        (key, f"{label} ({money(getattr(account, key))} {account.currency})")
        for key, label in WAIVER_COMPONENTS.items()
        if getattr(account, key) > 0
    ]
    return {
        "customer_name": customer.full_name,
        "product": account.product,
        "account_masked": f"****{account.account_number[-4:]}",
        "currency": account.currency,
        "balance": balance_rows(link),
        "total_due": money(account.total_due),
        "due_date": account.due_date,
        "days_past_due": account.days_past_due_on(now.date()),  # stored only at thresholds
        "on_hold": case.state == CaseState.ON_HOLD,
        "credit_impact": credit_impact_view(
            link, now, disputed=bool(disputes), plan_kept=plan is not None or case.state == CaseState.ON_PLAN
        ),
        "limit_changes": limit_change_views(link),
        "options": [o for o in views if o.code != HARDSHIP] if plans_open else [],
        "hardship": next((o for o in views if o.code == HARDSHIP), None),
        "hardship_components": components,
        "withheld": withheld_texts(options) if plans_open else [closed_text],
        "plan": plan_view(plan, now) if plan is not None else None,
        "open_disputes": [
            {"kind": kind_labels.get(d.kind, d.kind), "opened_at": d.opened_at, "due": d.sla_due_at}
            for d in disputes
        ],
        "contact_masked": point.masked_value if point is not None else "",
        "opt_out_channels": opt_out_channels,
        "customer_tz": zone_of(link),
        "cooling_off_days": selectors.case_pack(case, now).cooling_off_days,
        "help": help_for_case(case, translation.get_language() or customer.locale),
    }
