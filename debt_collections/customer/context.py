"""What the verified page shows, as plain values for the templates (no logic in the templates).

Only built for a verified session: nothing here may reach a response before the identity check.
Options come from the same selector the plan services use, so what the customer sees is what
``plan_accept_option`` will accept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from accounts.models import ContactPoint
from debt_collections import selectors
from debt_collections.customer.credit_context import can_appeal, credit_impact_view, limit_change_views
from debt_collections.customer.formatting import money, rate, zone_of
from debt_collections.customer.forms import DISPUTE_KINDS, OPT_OUT_CHANNELS, WAIVER_COMPONENTS
from debt_collections.customer.help import help_for_case
from debt_collections.customer.messages import BY_CODE
from debt_collections.models import (
    CaseState,
    Dispute,
    NegotiationLink,
    PlanState,
    RepaymentPlan,
)
from debt_collections.policies import HARDSHIP, PAY_IN_FULL, NegotiationOptions, Option

# Channels a person can stop on each kind of contact point.
CHANNELS_FOR_KIND: dict[str, list[str]] = {
    ContactPoint.Kind.PHONE.value: ["sms", "call"],
    ContactPoint.Kind.EMAIL.value: ["email"],
}


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


def page_context(link: NegotiationLink, now: datetime) -> dict[str, Any]:
    """Everything the verified page shows."""
    case = link.case
    account = case.account
    customer = case.customer
    facts = selectors.plan_facts(case, now)
    options = selectors.negotiation_options(case=case, now=now, facts=facts)
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
    # Most cases have no live plan: plan_facts has just counted them, so look only when there is one.
    plan = selectors.live_plan(case) if facts.on_live_plan else None
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
        "live_plan": plan,  # the row, for the payment amounts (views.render_page pops it)
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


# Re-exported for the page's actions and payments, which import them from here.
__all__ = ["CHANNELS_FOR_KIND", "can_appeal", "money", "page_context", "zone_of"]
