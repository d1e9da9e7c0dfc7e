"""What the customer may choose, and what each choice costs: the negotiation options (DESIGN §7).

Pure: no ORM, no clock. The services pass the balance, the pack and the customer's local ``today``;
the same function feeds the staff API, the customer's page and the plan services, so the amount a
customer accepts is always recomputed on the server, never taken from a form.

Choices made here ([D], design defaults where the law sets no number):

* **No extra cost for a plan.** A plan's total is exactly today's balance (principal + interest + fees
  + penalty interest). Agreeing a plan or a deferral freezes penalty interest and adds no interest of
  its own (policy-packs.md, "agreed deferral freezes contact and penalty interest"); the options are
  therefore comparable side by side, and paying over time never costs more than paying now.
* **Installment terms** come from ``STANDARD_TERMS`` capped at ``pack.max_plan_months``, and a term is
  offered only when its *smallest* installment is at least ``pack.min_installment``. Amounts come from
  ``split_installments``: they sum exactly to the total and differ by at most one minor unit.
* **Due dates**: installment *k* falls on the same day of the month as ``today``, *k* months later
  (clamped to the month's last day); a deferral is one payment ``days`` after today; paying in full is a
  one-payment settlement due ``PAY_IN_FULL_DAYS`` after today.
* **Deferral**: 30, 60 or 90 days up to ``pack.deferral_max_days``, hidden once the customer's
  allowance for the last 12 months (``pack.deferrals_per_12_months``) is used.
* **Hardship**: a request to waive fees and penalty interest; offered whenever there are any. It is a
  request, decided by a person (maker-checker), so its ``total`` is the best case, not a promise.
* While a plan is live no other plan can start (one live plan per case), so only hardship is offered.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from debt_collections.policies.money import minor_unit, quantize, split_installments
from debt_collections.policies.packs import PolicyPack

__all__ = [
    "DEFERRAL_STEPS",
    "HARDSHIP",
    "PAY_IN_FULL",
    "PAY_IN_FULL_DAYS",
    "STANDARD_TERMS",
    "NegotiationOptions",
    "Option",
    "ScheduledPayment",
    "add_months",
    "compute_options",
    "deferral_code",
    "installment_code",
]

STANDARD_TERMS: Final = (3, 6, 12, 24, 36, 48, 60)
DEFERRAL_STEPS: Final = (30, 60, 90)
PAY_IN_FULL_DAYS: Final = 7  # [D] a few days to arrange the transfer
PAY_IN_FULL: Final = "pay_in_full"
HARDSHIP: Final = "hardship"


def installment_code(months: int) -> str:
    return f"installment:{months}"


def deferral_code(days: int) -> str:
    return f"deferral:{days}"


def add_months(day: date, months: int) -> date:
    """``day`` moved ``months`` calendar months on, clamped to the end of a shorter month.

    Always counted from the original day (Jan 31 → Feb 28 → Mar 31), so a schedule does not drift.
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ScheduledPayment:
    number: int
    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class Option:
    """One choice. ``code`` is stable (forms and the API send it back); amounts are in ``currency``.

    ``plan_kind`` is the ``RepaymentPlan.Kind`` the option creates, or ``None`` for hardship (a waiver
    request, not a plan). ``monthly_amount`` is the largest regular payment (the first; later ones are at
    most one minor unit less); ``None`` when the option is not paid monthly.
    """

    code: str
    plan_kind: str | None
    total: Decimal
    monthly_amount: Decimal | None
    months: int
    deferral_days: int | None
    schedule: tuple[ScheduledPayment, ...]
    waivable: Decimal = Decimal(0)

    @property
    def first_due_date(self) -> date | None:
        return self.schedule[0].due_date if self.schedule else None

    @property
    def payment_count(self) -> int:
        return len(self.schedule)


@dataclass(frozen=True)
class NegotiationOptions:
    """The balance and the options, in the order they should be shown (cheapest and shortest first)."""

    currency: str
    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalty_interest: Decimal
    total_due: Decimal
    today: date
    policy_version: str
    options: tuple[Option, ...]
    # Why an option family is not offered (e.g. {"deferral": "..."}), so a page can say so honestly.
    withheld: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(option.code for option in self.options)

    def get(self, code: str) -> Option | None:
        """The option with this code, or ``None`` when it is not offered now."""
        return next((option for option in self.options if option.code == code), None)


def _installment_options(total: Decimal, currency: str, pack: PolicyPack, today: date) -> list[Option]:
    unit = minor_unit(currency)
    options = []
    for months in STANDARD_TERMS:
        if months > pack.max_plan_months:
            break
        # The smallest installment is the floor of the even split (the odd minor units go to the first
        # ones). Checking it before splitting also skips totals smaller than ``months`` minor units,
        # which split_installments refuses.
        units = int(total / unit)
        if units < months or (units // months) * unit < pack.min_installment:
            continue
        amounts = split_installments(total, months, currency)
        schedule = tuple(
            ScheduledPayment(number=k, due_date=add_months(today, k), amount=amount)
            for k, amount in enumerate(amounts, start=1)
        )
        options.append(
            Option(
                code=installment_code(months),
                plan_kind="installment",
                total=total,
                monthly_amount=amounts[0],
                months=months,
                deferral_days=None,
                schedule=schedule,
            )
        )
    return options


def _deferral_options(total: Decimal, pack: PolicyPack, today: date) -> list[Option]:
    return [
        Option(
            code=deferral_code(days),
            plan_kind="deferral",
            total=total,
            monthly_amount=None,
            months=1,
            deferral_days=days,
            schedule=(ScheduledPayment(number=1, due_date=today + timedelta(days=days), amount=total),),
        )
        for days in DEFERRAL_STEPS
        if days <= pack.deferral_max_days
    ]


def compute_options(
    *,
    principal: Decimal,
    interest: Decimal,
    fees: Decimal,
    penalty_interest: Decimal,
    currency: str,
    pack: PolicyPack,
    today: date,
    deferral_used_in_last_12_months: bool,
    on_live_plan: bool,
) -> NegotiationOptions:
    """Every option the pack allows today, each with its total cost and schedule.

    ``today`` is the customer's local date. ``deferral_used_in_last_12_months`` is True when the
    customer's deferral allowance (``pack.deferrals_per_12_months``) for the last 12 months is used up.

    Returns the options (empty when nothing is owed). Raises ``ValueError`` for a negative component, a
    component with more precision than the currency's minor unit, or an unknown currency; ``TypeError``
    for a float. Pure and safe to repeat.
    """
    parts = {
        "principal": principal,
        "interest": interest,
        "fees": fees,
        "penalty_interest": penalty_interest,
    }
    for name, value in parts.items():
        if isinstance(value, float):
            raise TypeError(f"{name} must be a Decimal, not a float")
        if value < 0:
            raise ValueError(f"{name} must not be negative, got {value}")
        if quantize(value, currency) != value:
            raise ValueError(f"{name} {value} has more precision than {currency}'s minor unit")
    total = quantize(sum(parts.values(), Decimal(0)), currency)
    waivable = quantize(fees + penalty_interest, currency)
    withheld: dict[str, str] = {}
    options: list[Option] = []
    if total > 0 and on_live_plan:
        withheld["plan"] = "A plan is already in place; withdraw or complete it before choosing another."
    elif total > 0:
        options.append(
            Option(
                code=PAY_IN_FULL,
                plan_kind="settlement",
                total=total,
                monthly_amount=None,
                months=1,
                deferral_days=None,
                schedule=(ScheduledPayment(1, today + timedelta(days=PAY_IN_FULL_DAYS), total),),
            )
        )
        installments = _installment_options(total, currency, pack, today)
        if not installments:
            withheld["installment"] = (
                f"The balance is too small for installments of at least {pack.min_installment} {currency}."
            )
        options.extend(installments)
        if pack.deferrals_per_12_months < 1:
            withheld["deferral"] = "This policy does not offer deferrals."
        elif deferral_used_in_last_12_months:
            withheld["deferral"] = (
                f"A deferral can be agreed {pack.deferrals_per_12_months} time(s) in 12 months, "
                "and that has been used."
            )
        else:
            options.extend(_deferral_options(total, pack, today))
    if waivable > 0:
        options.append(
            Option(
                code=HARDSHIP,
                plan_kind=None,
                total=total - waivable,
                monthly_amount=None,
                months=0,
                deferral_days=None,
                schedule=(),
                waivable=waivable,
            )
        )
    return NegotiationOptions(
        currency=currency,
        principal=principal,
        interest=interest,
        fees=fees,
        penalty_interest=penalty_interest,
        total_due=total,
        today=today,
        policy_version=pack.version,
        options=tuple(options),
        withheld=MappingProxyType(withheld),
    )
