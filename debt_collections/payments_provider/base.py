"""The payment-provider interface and the registry in settings (``PAYMENT_PROVIDERS``,
``PAYMENT_PROVIDER``), like ``notifications.channels.backend_for``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class ProviderError(Exception):
    """The provider could not start the payment; nothing was charged."""


@dataclass(frozen=True)
class CheckoutRequest:
    reference: str  # our intent's reference: the provider quotes it back in its callback
    amount: Decimal
    currency: str
    description: str
    return_url: str  # where the customer comes back to (their page)


@dataclass(frozen=True)
class Checkout:
    """How the customer pays: go to ``redirect_url``, or follow ``instructions`` (a bank transfer)."""

    redirect_url: str = ""
    instructions: list[tuple[str, str]] = field(default_factory=list)  # (label, value)


class PaymentProvider(Protocol):
    name: str

    def start(self, request: CheckoutRequest) -> Checkout:
        """Begin a checkout for ``request.reference``; safe to call again for the same reference."""
        ...


def provider_named(name: str) -> PaymentProvider:
    try:
        dotted = settings.PAYMENT_PROVIDERS[name]
    except KeyError as exc:
        raise ProviderError(f"no payment provider {name!r} is configured") from exc
    provider: PaymentProvider = import_string(dotted)()
    return provider


def current_provider() -> PaymentProvider:
    """The provider the customer page uses now (``settings.PAYMENT_PROVIDER``)."""
    return provider_named(settings.PAYMENT_PROVIDER)
