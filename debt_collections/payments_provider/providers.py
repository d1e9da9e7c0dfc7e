"""The shipped providers: ``TestProvider`` (the demo and the tests: a checkout page in this app that
sends the same signed webhook a real provider would) and ``BankTransferProvider`` (instructions to
transfer with our reference; the bank's feed calls the webhook when the money arrives)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext

from debt_collections.payments_provider.base import Checkout, CheckoutRequest


class TestProvider:
    """Sends the customer to ``/payments/test/<reference>/``, where they can pay, fail or cancel."""

    name = "test"

    def start(self, request: CheckoutRequest) -> Checkout:
        return Checkout(redirect_url=reverse("payments:test-checkout", args=[request.reference]))


class BankTransferProvider:
    """No redirect: the page shows where to transfer and the reference to quote."""

    name = "bank_transfer"

    def start(self, request: CheckoutRequest) -> Checkout:
        bank = settings.PAYMENT_BANK_ACCOUNT
        return Checkout(
            instructions=[
                (gettext("Bank"), bank["bank"]),
                (gettext("Account name"), bank["name"]),
                (gettext("Account number"), bank["number"]),
                (gettext("Amount"), f"{request.amount} {request.currency}"),
                (gettext("Reference (write it on the transfer)"), request.reference),
            ]
        )
