"""Promises to pay (issue 14): "I will pay X by D", taken on a call, on the customer's page or through
the API, with a lifecycle of its own (``open → kept | broken | cancelled``) decided by payments in the
daily cycle (``services.promises``).

The transitions only change state and the fields derived from it; ``services.promises`` locks, checks,
audits and schedules.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from accounts.models import money_field
from debt_collections.models.cases import CollectionCase, ContactAttempt
from debt_collections.models.fsm import ConcurrentStateMixin
from debt_collections.models.negotiation import CaseTask


class PromiseState(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")
    CANCELLED = "cancelled", _("Cancelled")


class PromiseChannel(models.TextChoices):
    CALL = "call", _("On a call")
    PAGE = "page", _("On the customer's page")
    API = "api", _("Through the API")
    ADMIN = "admin", _("In the workspace")


class PromiseToPay(ConcurrentStateMixin, models.Model):
    """The customer's promise to pay ``amount`` by ``due_date`` (their local calendar date).

    Kept when payments received from ``taken_at`` until the end of ``due_date`` plus the pack's grace days
    (local time) add up to ``amount``; broken when that day is over and they do not. ``paid_amount`` is
    what counted when it was decided. A new promise on the same case replaces an open one: the old one is
    cancelled with ``replaced_by`` pointing at the new one.
    """

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="promises")
    state = FSMField(default=PromiseState.OPEN, choices=PromiseState.choices, protected=True, db_index=True)
    amount = money_field()
    currency = models.CharField(max_length=3)
    due_date = models.DateField(help_text=_("The customer's local date by which they will pay"))
    grace_days = models.PositiveSmallIntegerField(default=0)
    channel = models.CharField(max_length=8, choices=PromiseChannel.choices)
    attempt = models.ForeignKey(
        ContactAttempt, null=True, blank=True, on_delete=models.PROTECT, related_name="promises"
    )
    taken_at = models.DateTimeField()
    taken_by = models.CharField(max_length=120, help_text=_("audit actor label"))
    taken_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    paid_amount = money_field(default=0)
    end_reason = models.CharField(max_length=200, blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )
    follow_up = models.OneToOneField(
        CaseTask, null=True, blank=True, on_delete=models.PROTECT, related_name="promise"
    )

    class Meta:
        ordering = ["-taken_at", "-pk"]
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="open"), name="one_open_promise_per_case"
            ),
        ]
        indexes = [models.Index(fields=["state", "due_date"], name="promise_state_due")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} by {self.due_date} ({self.get_state_display()})"

    @transition(field=state, source=PromiseState.OPEN, target=PromiseState.KEPT)
    def keep(self, *, at: Any, paid: Any) -> None:
        self.decided_at = at
        self.paid_amount = paid
        self.end_reason = "paid"

    @transition(field=state, source=PromiseState.OPEN, target=PromiseState.BROKEN)
    def break_(self, *, at: Any, paid: Any) -> None:
        self.decided_at = at
        self.paid_amount = paid
        self.end_reason = "not paid by the due date and grace"

    @transition(field=state, source=PromiseState.OPEN, target=PromiseState.CANCELLED)
    def cancel(self, *, at: Any, reason: str, replaced_by: PromiseToPay | None = None) -> None:
        self.decided_at = at
        self.end_reason = reason
        self.replaced_by = replaced_by
