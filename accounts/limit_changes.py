"""Credit-limit changes: a reduction or freeze with its notice period, appeal and review (DESIGN §9)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from accounts.money import money_field


class CreditLimitChange(ConcurrentTransitionMixin, models.Model):
    """A reduction or freeze of a credit line: takes effect only after its advance notice period.

    ``scheduled → applied`` (the daily cycle, once the notice period has passed) or ``scheduled →
    under_review`` (the customer appealed) ``→ scheduled | applied`` (upheld) ``| cancelled`` (reversed
    before it took effect); ``applied → under_review → applied | reversed`` (appealed after it took
    effect; reversed restores the old limit). A freeze keeps the limit and blocks drawing on it while the
    latest applied change of the account is a freeze. Written only by ``debt_collections.credit.limits``;
    the status is protected and changes only through the ``@transition`` methods below.
    """

    class Reason(models.TextChoices):
        DELINQUENCY = "delinquency", _("Delinquency")
        RISK_SCORE = "risk_score_change", _("Risk score change")
        INACTIVITY = "inactivity", _("Inactivity")
        CUSTOMER_REQUEST = "customer_request", _("Customer request")
        FRAUD_SUSPICION = "fraud_suspicion", _("Fraud suspicion")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        UNDER_REVIEW = "under_review", _("Under review (appealed)")
        APPLIED = "applied", _("Applied")
        CANCELLED = "cancelled", _("Cancelled")
        REVERSED = "reversed", _("Reversed after review")

    class Decision(models.TextChoices):
        UPHELD = "upheld", _("Upheld: the change stands")
        REVERSED = "reversed", _("Reversed")

    account = models.ForeignKey(
        "accounts.CreditAccount", on_delete=models.PROTECT, related_name="limit_changes"
    )
    old_limit = money_field()
    new_limit = money_field()
    is_freeze = models.BooleanField(default=False)
    reason_code = models.CharField(max_length=32, choices=Reason.choices)
    explanation = models.TextField()
    automated = models.BooleanField(default=False)
    status = FSMField(max_length=16, choices=Status.choices, default=Status.SCHEDULED, protected=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    effective_at = models.DateTimeField()
    appeal_text = models.TextField(blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    appeal_decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(new_limit__gte=0), name="limitchange_new_limit_non_negative"),
            # A reduction or a freeze, never an increase.
            models.CheckConstraint(
                condition=Q(new_limit__lte=models.F("old_limit")), name="limitchange_never_an_increase"
            ),
            # Maker-checker: whoever asked for the change never reviews the appeal against it.
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True)
                | Q(requested_by__isnull=True)
                | ~Q(reviewed_by=models.F("requested_by")),
                name="limitchange_reviewer_is_not_requester",
            ),
        ]
        indexes = [models.Index(fields=["status", "effective_at"], name="limitchange_status_due_idx")]

    def __str__(self) -> str:
        return f"{self.account} {self.old_limit} → {self.new_limit}"

    # --- transitions: state and the fields derived from it; ``credit.limits`` does the rest --------

    @transition(field=status, source=[Status.SCHEDULED, Status.UNDER_REVIEW], target=Status.APPLIED)
    def apply(self, *, at: Any) -> None:
        """The notice period is over (or an appeal against a pending change was upheld after it)."""
        self.applied_at = at

    @transition(field=status, source=[Status.SCHEDULED, Status.UNDER_REVIEW], target=Status.CANCELLED)
    def cancel(self) -> None:
        """Withdrawn before it took effect (superseded by a fraud freeze)."""

    @transition(field=status, source=[Status.SCHEDULED, Status.APPLIED], target=Status.UNDER_REVIEW)
    def appeal(self, *, text: str, at: Any) -> None:
        self.appeal_text = text
        self.appealed_at = at

    @transition(
        field=status,
        source=Status.UNDER_REVIEW,
        target=RETURN_VALUE(Status.APPLIED, Status.SCHEDULED),
    )
    def uphold(self) -> str:
        """The appeal failed: the change stands, in effect again or still waiting for its date."""
        return self.Status.APPLIED if self.applied_at is not None else self.Status.SCHEDULED

    @transition(
        field=status,
        source=Status.UNDER_REVIEW,
        target=RETURN_VALUE(Status.REVERSED, Status.CANCELLED),
    )
    def reverse(self) -> str:
        """The appeal succeeded: a change in effect is reversed, one not yet in effect cancelled."""
        return self.Status.REVERSED if self.applied_at is not None else self.Status.CANCELLED
