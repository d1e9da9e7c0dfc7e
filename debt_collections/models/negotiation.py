"""What a negotiation produces: repayment plans with their installments, fee waivers, and the signed
links that bring a customer to the negotiation page."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from accounts.models import ContactPoint, money_field
from debt_collections.models.cases import CollectionCase
from debt_collections.models.fsm import ConcurrentStateMixin


class PlanState(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted (cooling-off)")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    BROKEN = "broken", _("Broken")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")


P = PlanState
# Plan states in which the plan is the customer's live arrangement.
LIVE_PLAN_STATES = [P.ACCEPTED, P.ACTIVE]


class RepaymentPlan(ConcurrentStateMixin, models.Model):
    """An installment plan, a deferral or a settlement, with its schedule in ``Installment`` rows.

    ``offered → accepted → active → completed | broken``; ``accepted → withdrawn`` within the
    cooling-off period; ``offered → cancelled``. Changed only through ``services.plans``.
    """

    class Kind(models.TextChoices):
        INSTALLMENT = "installment", _("Installment plan")
        DEFERRAL = "deferral", _("Deferral")
        SETTLEMENT = "settlement", _("Settlement")

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="plans")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    state = FSMField(default=P.OFFERED, choices=PlanState.choices, protected=True, db_index=True)
    currency = models.CharField(max_length=3)
    total = money_field(help_text="What the customer will pay in all, installments summing exactly to it")
    months = models.PositiveSmallIntegerField(default=1)
    deferral_days = models.PositiveSmallIntegerField(null=True, blank=True)
    first_due_date = models.DateField()
    offered_at = models.DateTimeField()
    offered_by = models.CharField(max_length=120, help_text="audit actor label")
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.CharField(max_length=120, blank=True)
    cooling_off_until = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    policy_version = models.CharField(max_length=32)

    class Meta:
        ordering = ["-offered_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="plan_total_positive"),
            models.CheckConstraint(
                condition=Q(months__gte=1) & Q(months__lte=60), name="plan_months_1_to_60"
            ),
            # At most one live plan per case: a second acceptance must fail loudly.
            models.UniqueConstraint(
                fields=["case"], condition=Q(state__in=["accepted", "active"]), name="one_live_plan_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.total} {self.currency} ({self.get_state_display()})"

    @transition(field=state, source=P.OFFERED, target=P.ACCEPTED)
    def accept(self, *, at: Any, by: str, cooling_off_until: Any) -> None:
        self.accepted_at = at
        self.accepted_by = by
        self.cooling_off_until = cooling_off_until

    @transition(field=state, source=P.ACCEPTED, target=P.ACTIVE)
    def activate(self) -> None:
        pass

    @transition(field=state, source=[P.ACCEPTED, P.ACTIVE], target=P.COMPLETED)
    def complete(self, *, at: Any) -> None:
        self.ended_at = at
        self.end_reason = "paid"

    @transition(field=state, source=[P.ACCEPTED, P.ACTIVE], target=P.BROKEN)
    def break_(self, *, at: Any, reason: str) -> None:
        self.ended_at = at
        self.end_reason = reason

    @transition(field=state, source=P.ACCEPTED, target=P.WITHDRAWN)
    def withdraw(self, *, at: Any) -> None:
        self.ended_at = at
        self.end_reason = "withdrawn in cooling-off"

    @transition(field=state, source=P.OFFERED, target=P.CANCELLED)
    def cancel(self, *, at: Any, reason: str) -> None:
        self.ended_at = at
        self.end_reason = reason


class Installment(models.Model):
    plan = models.ForeignKey(RepaymentPlan, on_delete=models.CASCADE, related_name="installments")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    amount = money_field()
    paid_amount = money_field(default=0)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="installment_number_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="installment_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0) & Q(paid_amount__lte=models.F("amount")),
                name="installment_paid_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.due_date} {self.amount}"

    @property
    def is_paid(self) -> bool:
        return self.paid_amount >= self.amount


class WaiverState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    APPLIED = "applied", _("Applied")


class FeeWaiver(ConcurrentStateMixin, models.Model):
    """A request to waive fees, penalty interest or interest. Maker-checker: the requester never decides.

    ``requested → approved | rejected``, ``approved → applied`` (the balance component is reduced).
    """

    class Component(models.TextChoices):
        FEES = "fees", _("Fees")
        PENALTY_INTEREST = "penalty_interest", _("Penalty interest")
        INTEREST = "interest", _("Interest")

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="waivers")
    component = models.CharField(max_length=20, choices=Component.choices)
    amount = money_field()
    reason = models.TextField()
    hardship = models.BooleanField(
        default=False, help_text="asked for by the customer on the negotiation page"
    )
    state = FSMField(
        default=WaiverState.REQUESTED, choices=WaiverState.choices, protected=True, db_index=True
    )
    requested_at = models.DateTimeField()
    requested_by = models.CharField(max_length=120, help_text="audit actor label of the requester")
    requested_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="waiver_amount_positive"),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | Q(requested_by_user__isnull=True)
                | ~Q(decided_by=models.F("requested_by_user")),
                name="waiver_decider_is_not_requester",
            ),
        ]

    def __str__(self) -> str:
        return f"waive {self.amount} {self.component} ({self.get_state_display()})"

    @transition(field=state, source=WaiverState.REQUESTED, target=WaiverState.APPROVED)
    def approve(self, *, by: Any, at: Any, note: str) -> None:
        self.decided_by = by
        self.decided_at = at
        self.decision_note = note

    @transition(field=state, source=WaiverState.REQUESTED, target=WaiverState.REJECTED)
    def reject(self, *, by: Any, at: Any, note: str) -> None:
        self.decided_by = by
        self.decided_at = at
        self.decision_note = note

    @transition(field=state, source=WaiverState.APPROVED, target=WaiverState.APPLIED)
    def apply(self, *, at: Any) -> None:
        self.applied_at = at


class NegotiationLink(models.Model):
    """A signed link to the negotiation page. The token signs this row's opaque id, never the case id.

    Expires (policy), can be revoked, and locks after the policy's number of failed identity checks.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="links")
    contact_point = models.ForeignKey(
        ContactPoint, null=True, blank=True, on_delete=models.PROTECT, related_name="links"
    )
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=120)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=200, blank=True)
    failed_checks = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    last_verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"link {str(self.id)[:8]}… for case {self.case_id}"

    @property
    def audit_label(self) -> str:
        return f"link:{self.id}"


class CaseTask(models.Model):
    """Something a person must do on a case: find a new contact after a wrong-party report, call back in
    the window the customer chose, review a hardship request. Shown in the agent's queue."""

    class Kind(models.TextChoices):
        FIND_NEW_CONTACT = "find_new_contact", _("Find a new contact")
        CALLBACK = "callback", _("Call back")
        REVIEW = "review", _("Review")
        PROMISE_FOLLOW_UP = "promise_follow_up", _("Follow up a promise to pay")

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    due_at = models.DateTimeField()
    window_end = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=120)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["done_at", "due_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.due_at:%Y-%m-%d %H:%M}"
