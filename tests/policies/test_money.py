"""Money: banker's rounding to the minor unit, installments that sum exactly, allocation in policy order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from debt_collections.policies import allocate_payment, get_pack, minor_unit, quantize, split_installments

D = Decimal


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.675", "USD", "2.68"),
        ("2.665", "USD", "2.66"),  # half to even, not half up
        ("2.6651", "GBP", "2.67"),
        ("-1.005", "CNY", "-1.00"),
        ("10", "CNY", "10.00"),
        ("2.5", "JPY", "2"),
        ("3.5", "JPY", "4"),
    ],
)
def test_quantize_rounds_half_to_even_to_the_minor_unit(amount: str, currency: str, expected: str) -> None:
    result = quantize(D(amount), currency)

    assert result == D(expected)
    assert result.as_tuple().exponent == D(expected).as_tuple().exponent


def test_quantize_refuses_floats_non_finite_values_and_unknown_currencies() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        quantize(2.675, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite"):
        quantize(D("NaN"), "USD")
    with pytest.raises(ValueError, match="unknown currency"):
        quantize(D("1"), "XYZ")


@pytest.mark.parametrize(
    ("currency", "unit"), [("CNY", "0.01"), ("USD", "0.01"), ("GBP", "0.01"), ("JPY", "1")]
)
def test_minor_units(currency: str, unit: str) -> None:
    assert minor_unit(currency) == D(unit)


@pytest.mark.parametrize(
    ("total", "n", "currency", "expected"),
    [
        ("100.00", 3, "CNY", ["33.34", "33.33", "33.33"]),
        ("100.00", 4, "USD", ["25.00"] * 4),
        ("0.05", 5, "GBP", ["0.01"] * 5),
        ("0.01", 1, "GBP", ["0.01"]),
        ("10.00", 6, "USD", ["1.67"] * 4 + ["1.66"] * 2),
        ("1000", 3, "JPY", ["334", "333", "333"]),
    ],
)
def test_split_installments_puts_the_odd_minor_units_on_the_first_installments(
    total: str, n: int, currency: str, expected: list[str]
) -> None:
    parts = split_installments(D(total), n, currency)

    assert parts == [D(x) for x in expected]
    assert sum(parts, D(0)) == D(total)


def test_a_sixty_month_plan_of_a_large_balance_sums_exactly() -> None:
    parts = split_installments(D("999999.99"), 60, "CNY")

    assert len(parts) == 60
    assert sum(parts, D(0)) == D("999999.99")
    assert parts[:39] == [D("16666.67")] * 39  # 99999999 cents = 60 × 1666666 + 39
    assert parts[39:] == [D("16666.66")] * 21


@pytest.mark.parametrize(
    ("total", "n", "error", "message"),
    [
        (D("0.01"), 5, ValueError, "non-zero"),
        (D("0.00"), 1, ValueError, "non-zero"),
        (D("100.00"), 0, ValueError, "at least 1"),
        (D("-10.00"), 2, ValueError, "negative"),
        (D("100.001"), 2, ValueError, "precision"),
        (100.0, 2, TypeError, "Decimal"),
        (D("100.00"), True, TypeError, "int"),
    ],
)
def test_split_installments_refuses_what_cannot_be_split_exactly(
    total: object, n: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        split_installments(total, n, "CNY")  # type: ignore[arg-type]


@given(cents=st.integers(min_value=1, max_value=10**13), n=st.integers(min_value=1, max_value=600))
def test_split_installments_always_sums_exactly_and_stays_within_one_minor_unit(cents: int, n: int) -> None:
    total = D(cents).scaleb(-2)
    if cents < n:
        with pytest.raises(ValueError):
            split_installments(total, n, "USD")
        return

    parts = split_installments(total, n, "USD")

    assert len(parts) == n
    assert sum(parts, D(0)) == total
    assert max(parts) - min(parts) <= D("0.01")
    assert min(parts) > 0
    assert parts == sorted(parts, reverse=True)
    assert all(part == quantize(part, "USD") and part.as_tuple().exponent == -2 for part in parts)


# -- allocation -----------------------------------------------------------------------------------------

CN_ORDER = get_pack("CN").payment_allocation_order
OUTSTANDING = {
    "principal": D("1000.00"),
    "interest": D("50.00"),
    "fees": D("20.00"),
    "penalty_interest": D("30.00"),
}


def test_a_partial_payment_is_applied_in_the_packs_order() -> None:
    allocation = allocate_payment(D("60.00"), OUTSTANDING, CN_ORDER, "CNY")

    assert dict(allocation.applied) == {
        "penalty_interest": D("30.00"),
        "fees": D("20.00"),
        "interest": D("10.00"),
        "principal": D("0.00"),
    }
    assert allocation.unapplied == D("0.00")


def test_an_overpayment_is_left_unapplied_not_swallowed() -> None:
    allocation = allocate_payment(D("1200.00"), OUTSTANDING, CN_ORDER, "CNY")

    assert dict(allocation.applied) == OUTSTANDING
    assert allocation.unapplied == D("100.00")


def test_a_component_missing_from_the_order_is_refused() -> None:
    with pytest.raises(ValueError, match="not in the allocation order"):
        allocate_payment(D("10.00"), {"principal": D("5.00"), "collection_fee": D("5.00")}, CN_ORDER, "CNY")


@given(
    amount=st.integers(0, 2_000_00),
    due=st.lists(st.integers(0, 1_000_00), min_size=4, max_size=4),
    code=st.sampled_from(["CN", "US", "UK"]),
)
def test_allocation_conserves_the_payment_and_fills_components_strictly_in_order(
    amount: int, due: list[int], code: str
) -> None:
    pack = get_pack(code)
    outstanding = {c: D(v).scaleb(-2) for c, v in zip(pack.payment_allocation_order, due, strict=True)}

    allocation = allocate_payment(
        D(amount).scaleb(-2), outstanding, pack.payment_allocation_order, pack.currency
    )

    assert allocation.total_applied + allocation.unapplied == D(amount).scaleb(-2)
    assert list(allocation.applied) == list(pack.payment_allocation_order)
    paid_in_full = [allocation.applied[c] == outstanding[c] for c in pack.payment_allocation_order]
    for i, component in enumerate(pack.payment_allocation_order):
        assert D(0) <= allocation.applied[component] <= outstanding[component]
        if allocation.applied[component] > 0:
            assert all(paid_in_full[:i])
    if allocation.unapplied > 0:
        assert all(paid_in_full)
