"""Payments the customer starts on their page (issue 14): one ``PaymentIntent`` per attempt to pay an
installment, a promise or the balance through a payment provider (``debt_collections.payments_provider``).

The intent is not money: only the provider's signed callback saying the payment succeeded records a
``Payment`` (through ``payment_record``, the same service as staff payments). A failed or abandoned
intent changes nothing else.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from accounts.models import money_field
from debt_collections.models.cases import CollectionCase, Payment


class IntentState(models.TextChoices):
    CREATED = "created", _("Started")
    SUCCEEDED = "succeeded", _("Paid")
    FAILED = "failed", _("Failed")
    ABANDONED = "abandoned", _("Abandoned")


class IntentPurpose(models.TextChoices):
    INSTALLMENT = "installment", _("The next installment")
    PROMISE = "promise", _("The amount promised")
    BALANCE = "balance", _("The whole balance")


class PaymentIntent(FSMModelMixin, models.Model):
    """One attempt by the customer to pay through a provider; ``reference`` is what the provider quotes
    back in its callback (and what a bank transfer carries)."""

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="payment_intents")
    reference = models.CharField(max_length=40, unique=True)
    provider = models.CharField(max_length=32)
    purpose = models.CharField(max_length=12, choices=IntentPurpose.choices)
    amount = money_field()
    currency = models.CharField(max_length=3)
    state = FSMField(default=IntentState.CREATED, choices=IntentState.choices, protected=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=120, help_text=_("audit actor label"))
    completed_at = models.DateTimeField(null=True, blank=True)
    provider_reference = models.CharField(max_length=64, blank=True)
    failure = models.CharField(max_length=200, blank=True)
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="intent"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="intent_amount_positive")]
        indexes = [models.Index(fields=["state", "created_at"], name="intent_state_created")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.amount} {self.currency} ({self.get_state_display()})"

    # A success after a failure or after we stopped waiting is still money received: it is recorded.
    @transition(
        field=state,
        source=[IntentState.CREATED, IntentState.FAILED, IntentState.ABANDONED],
        target=IntentState.SUCCEEDED,
    )
    def succeed(self, *, at: Any, payment: Payment, provider_reference: str) -> None:
        self.completed_at = at
        self.payment = payment
        self.provider_reference = provider_reference

    @transition(field=state, source=IntentState.CREATED, target=IntentState.FAILED)
    def fail(self, *, at: Any, reason: str) -> None:
        self.completed_at = at
        self.failure = reason[:200]

    @transition(field=state, source=IntentState.CREATED, target=IntentState.ABANDONED)
    def abandon(self, *, at: Any) -> None:
        self.completed_at = at
        self.failure = "abandoned"
