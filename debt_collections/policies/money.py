"""Money arithmetic: Decimal only, banker's rounding to the currency's minor unit, exact splits.

Pure functions; every one is safe to repeat. Floats are refused (TypeError): 0.1 + 0.2 is not money.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from types import MappingProxyType

__all__ = ["MINOR_UNITS", "Allocation", "allocate_payment", "minor_unit", "quantize", "split_installments"]

# ISO 4217 minor-unit exponents for the currencies we lend in (plus JPY, the usual zero-decimal check).
MINOR_UNITS: Mapping[str, int] = MappingProxyType({"CNY": 2, "USD": 2, "GBP": 2, "EUR": 2, "JPY": 0})


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: ``Decimal("0.01")`` for CNY/USD/GBP, ``Decimal("1")`` for JPY.

    Raises ValueError for a currency we do not know (rather than guessing two decimals).
    """
    try:
        places = MINOR_UNITS[currency]
    except KeyError:
        raise ValueError(f"unknown currency {currency!r}; known: {', '.join(MINOR_UNITS)}") from None
    return Decimal(1).scaleb(-places)


def _as_decimal(amount: Decimal | int, name: str) -> Decimal:
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"{name} must be a Decimal (or int), got {type(amount).__name__}")
    value = Decimal(amount)
    if not value.is_finite():
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def quantize(amount: Decimal | int, currency: str) -> Decimal:
    """``amount`` rounded half-to-even to the minor unit of ``currency`` (2.675 -> 2.68, 2.665 -> 2.66).

    Raises TypeError for a float, ValueError for NaN/infinity or an unknown currency.
    """
    return _as_decimal(amount, "amount").quantize(minor_unit(currency), rounding=ROUND_HALF_EVEN)


def _require_exact(amount: Decimal | int, currency: str, name: str) -> Decimal:
    value = _as_decimal(amount, name)
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    if value != quantize(value, currency):
        raise ValueError(f"{name} {value} has more precision than {currency}'s minor unit")
    return quantize(value, currency)


def split_installments(total: Decimal | int, n: int, currency: str) -> list[Decimal]:
    """Split ``total`` into ``n`` installments that sum to exactly ``total``.

    Installments differ by at most one minor unit; the odd minor units go to the *first* installments
    (100.00 / 3 -> 33.34, 33.33, 33.33), so the schedule settles into its regular amount and the last
    payment is never the surprising one.

    Raises ValueError when ``n < 1``, ``total`` is negative, ``total`` is not a whole number of minor
    units (it could not be repaid exactly), or ``total`` is smaller than ``n`` minor units (an
    installment of zero is not an installment). TypeError for a float total or a non-int ``n``.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    exact = _require_exact(total, currency, "total")
    unit = minor_unit(currency)
    units = int(exact / unit)
    if units < n:
        raise ValueError(f"{exact} {currency} cannot be split into {n} non-zero installments")
    regular, odd = divmod(units, n)
    return [((regular + 1) if i < odd else regular) * unit for i in range(n)]


@dataclass(frozen=True)
class Allocation:
    """How one payment was applied: ``applied`` per component (every component of the order, zeros
    included, in that order) and what was left over (an overpayment to refund or hold)."""

    applied: Mapping[str, Decimal] = field(hash=False)
    unapplied: Decimal

    @property
    def total_applied(self) -> Decimal:
        return sum(self.applied.values(), Decimal(0))


def allocate_payment(
    amount: Decimal | int, outstanding: Mapping[str, Decimal], order: Sequence[str], currency: str
) -> Allocation:
    """Apply ``amount`` to the ``outstanding`` components in ``order`` (the pack's allocation order).

    The caller passes only amounts that may be paid: a disputed amount is left out of ``outstanding``
    (DESIGN §8: a payment never goes to a disputed amount). Raises ValueError for negative or
    sub-minor-unit amounts, or a component in ``outstanding`` that ``order`` does not name (it would
    silently never be paid).
    """
    remaining = _require_exact(amount, currency, "amount")
    unknown = set(outstanding) - set(order)
    if unknown:
        raise ValueError(f"components not in the allocation order: {sorted(unknown)}")
    applied: dict[str, Decimal] = {}
    for component in order:
        due = _require_exact(outstanding.get(component, Decimal(0)), currency, component)
        take = min(remaining, due)
        applied[component] = take
        remaining -= take
    return Allocation(applied=MappingProxyType(applied), unapplied=remaining)
