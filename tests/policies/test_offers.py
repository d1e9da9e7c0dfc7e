"""Negotiation options: pure, from a balance, a pack and the customer's local date (DESIGN §7, §8)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from debt_collections.policies import (
    STANDARD_TERMS,
    NegotiationOptions,
    PolicyPack,
    add_months,
    compute_options,
    get_pack,
)

D = Decimal
TODAY = date(2026, 3, 2)
CN = get_pack("CN", TODAY)
US = get_pack("US", TODAY)


def options(
    principal: str = "5000.00",
    interest: str = "300.00",
    fees: str = "100.00",
    penalty: str = "50.00",
    *,
    pack: PolicyPack = CN,
    currency: str = "CNY",
    deferral_used: bool = False,
    on_plan: bool = False,
    today: date = TODAY,
) -> NegotiationOptions:
    return compute_options(
        principal=D(principal),
        interest=D(interest),
        fees=D(fees),
        penalty_interest=D(penalty),
        currency=currency,
        pack=pack,
        today=today,
        deferral_used_in_last_12_months=deferral_used,
        on_live_plan=on_plan,
    )


def test_every_option_of_an_ordinary_balance_is_offered_side_by_side_with_stable_codes() -> None:
    result = options()

    assert result.codes == (
        "pay_in_full",
        "installment:3",
        "installment:6",
        "installment:12",
        "installment:24",
        "installment:36",
        "installment:48",
        "installment:60",
        "deferral:30",
        "deferral:60",
        "deferral:90",
        "hardship",
    )
    assert result.total_due == D("5450.00")
    assert result.policy_version == "CN-2026.1"


def test_paying_in_full_costs_the_sum_of_the_components_in_one_payment_a_week_later() -> None:
    full = options().get("pay_in_full")

    assert full is not None
    assert full.plan_kind == "settlement"
    assert full.total == D("5450.00")
    assert [(p.number, p.due_date, p.amount) for p in full.schedule] == [(1, date(2026, 3, 9), D("5450.00"))]


def test_a_plan_costs_no_more_than_paying_now_and_its_installments_sum_exactly() -> None:
    six = options().get("installment:6")

    assert six is not None
    assert six.total == D("5450.00")
    assert [p.amount for p in six.schedule] == [D("908.34")] * 2 + [D("908.33")] * 4
    assert sum(p.amount for p in six.schedule) == six.total
    assert six.monthly_amount == D("908.34")
    assert [p.due_date for p in six.schedule] == [date(2026, m, 2) for m in range(4, 10)]


def test_installments_fall_on_the_same_day_of_the_month_clamped_to_short_months() -> None:
    assert [add_months(date(2026, 1, 31), k) for k in range(1, 4)] == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_terms_whose_installment_would_fall_below_the_minimum_are_not_offered() -> None:
    # 1000 CNY: 12 months is 83.33, 24 months would be 41.66 < 50.
    result = options("1000.00", "0.00", "0.00", "0.00")

    assert [c for c in result.codes if c.startswith("installment")] == [
        "installment:3",
        "installment:6",
        "installment:12",
    ]


def test_a_balance_too_small_for_any_installment_says_why() -> None:
    result = options("120.00", "0.00", "0.00", "0.00")

    assert not [c for c in result.codes if c.startswith("installment")]
    assert "at least 50.00 CNY" in result.withheld["installment"]
    assert "pay_in_full" in result.codes


def test_terms_are_capped_by_the_packs_maximum() -> None:
    short = replace(CN, max_plan_months=12)

    assert [c for c in options(pack=short).codes if c.startswith("installment")] == [
        "installment:3",
        "installment:6",
        "installment:12",
    ]


def test_deferrals_up_to_the_packs_maximum_are_offered_for_the_whole_balance() -> None:
    result = options(pack=replace(CN, deferral_max_days=60))
    thirty = result.get("deferral:30")

    assert [c for c in result.codes if c.startswith("deferral")] == ["deferral:30", "deferral:60"]
    assert thirty is not None
    assert thirty.plan_kind == "deferral"
    assert [(p.due_date, p.amount) for p in thirty.schedule] == [(date(2026, 4, 1), D("5450.00"))]


def test_the_deferral_is_hidden_once_used_in_the_last_twelve_months() -> None:
    result = options(deferral_used=True)

    assert not [c for c in result.codes if c.startswith("deferral")]
    assert "12 months" in result.withheld["deferral"]


def test_hardship_asks_to_waive_fees_and_penalty_interest_and_shows_the_best_case() -> None:
    hardship = options().get("hardship")

    assert hardship is not None
    assert hardship.plan_kind is None
    assert hardship.waivable == D("150.00")
    assert hardship.total == D("5300.00")


def test_hardship_is_not_offered_when_there_are_no_fees_or_penalty_interest() -> None:
    assert "hardship" not in options(fees="0.00", penalty="0.00").codes


def test_on_a_live_plan_only_hardship_is_offered() -> None:
    result = options(on_plan=True)

    assert result.codes == ("hardship",)
    assert "plan" in result.withheld


def test_nothing_owed_offers_nothing() -> None:
    assert options("0.00", "0.00", "0.00", "0.00").codes == ()


def test_the_us_pack_has_its_own_minimum_installment() -> None:
    result = options("1000.00", "0.00", "0.00", "0.00", pack=US, currency="USD")

    # 36 months is 27.77 ≥ 25 USD; 48 months would be 20.83.
    assert [c for c in result.codes if c.startswith("installment")][-1] == "installment:36"


def test_components_with_sub_minor_unit_precision_or_negative_values_are_refused() -> None:
    with pytest.raises(ValueError, match="precision"):
        options("100.001")
    with pytest.raises(ValueError, match="negative"):
        options(fees="-1.00")
    with pytest.raises(TypeError, match="float"):
        compute_options(
            principal=100.0,  # type: ignore[arg-type]
            interest=D(0),
            fees=D(0),
            penalty_interest=D(0),
            currency="CNY",
            pack=CN,
            today=TODAY,
            deferral_used_in_last_12_months=False,
            on_live_plan=False,
        )


cents = st.integers(min_value=0, max_value=5_000_000_00).map(lambda n: D(n).scaleb(-2))


@given(principal=cents, interest=cents, fees=cents, penalty=cents, max_months=st.integers(1, 60))
def test_every_installment_plan_sums_exactly_never_dips_below_the_minimum_and_fits_the_term(
    principal: Decimal, interest: Decimal, fees: Decimal, penalty: Decimal, max_months: int
) -> None:
    pack = replace(CN, max_plan_months=max_months)
    result = compute_options(
        principal=principal,
        interest=interest,
        fees=fees,
        penalty_interest=penalty,
        currency="CNY",
        pack=pack,
        today=TODAY,
        deferral_used_in_last_12_months=False,
        on_live_plan=False,
    )
    total = principal + interest + fees + penalty

    for option in result.options:
        if option.plan_kind is None:
            continue
        amounts = [p.amount for p in option.schedule]
        assert sum(amounts) == option.total == total
        assert option.months <= pack.max_plan_months
        assert len(amounts) == (option.months if option.plan_kind == "installment" else 1)
        if option.plan_kind == "installment":
            assert min(amounts) >= pack.min_installment
            assert max(amounts) - min(amounts) <= D("0.01")
            assert option.months in STANDARD_TERMS
    # A term is left out only when its smallest installment would be below the minimum.
    offered = {o.months for o in result.options if o.plan_kind == "installment"}
    for months in STANDARD_TERMS:
        if months <= max_months and months not in offered:
            assert (int(total * 100) // months) < int(pack.min_installment * 100)


@given(used=st.booleans(), days=st.integers(0, 120))
def test_the_deferral_is_offered_exactly_when_unused_and_within_the_maximum(used: bool, days: int) -> None:
    result = options(pack=replace(CN, deferral_max_days=days), deferral_used=used)
    deferrals = [o for o in result.options if o.plan_kind == "deferral"]

    if used:
        assert deferrals == []
    else:
        assert [o.deferral_days for o in deferrals] == [d for d in (30, 60, 90) if d <= days]
