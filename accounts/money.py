"""Money columns: a ``Decimal`` with the currency's minor unit; the currency is a sibling field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

ZERO = Decimal("0.00")
# Precision of every money column (and of the API's money fields).
MONEY_DIGITS = 14
MONEY_PLACES = 2


def money_field(**kwargs: Any) -> models.DecimalField[Decimal, Decimal]:
    """Money: Decimal with 2 places (the minor unit of CNY, USD and GBP); the currency is a sibling field."""
    return models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


__all__ = ["MONEY_DIGITS", "MONEY_PLACES", "ZERO", "money_field"]
