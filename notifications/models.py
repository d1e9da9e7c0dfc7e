"""Notice templates (versioned, approved by compliance) and the outbox of notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from accounts.models import ContactPoint
from debt_collections.models import CollectionCase


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")


# Which channel a contact point of each kind carries notices on.
CHANNEL_FOR_KIND: dict[str, str] = {
    ContactPoint.Kind.PHONE: Channel.SMS,
    ContactPoint.Kind.EMAIL: Channel.EMAIL,
    ContactPoint.Kind.POSTAL: Channel.LETTER,
}


class NoticeTemplate(models.Model):
    """One version of a standardized notice in one channel and locale.

    ``draft → approved → retired``; a compliance officer who is not the author approves. Only one
    approved version per (key, channel, locale) at a time; retired versions stay readable forever.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETIRED = "retired", _("Retired")

    key = models.CharField(max_length=64, help_text="e.g. reminder.soft")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    locale = models.CharField(max_length=8, choices=[("zh-hans", "简体中文"), ("en", "English")])
    version = models.PositiveIntegerField()
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(help_text="Django template syntax; see notifications.rendering for the context")
    limited_content = models.BooleanField(
        default=False, help_text="No amount, no creditor detail: the only kind an unverified point may get"
    )
    is_service = models.BooleanField(
        default=False, help_text="Acknowledgements and confirmations the customer is owed, even on hold"
    )
    status = FSMField(default=Status.DRAFT, choices=Status.choices, protected=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "channel", "locale", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "channel", "locale", "version"], name="template_version_unique"
            ),
            models.UniqueConstraint(
                fields=["key", "channel", "locale"],
                condition=Q(status="approved"),
                name="one_approved_template_version",
            ),
            # Maker-checker at the database level: the author can never be the approver.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | Q(author__isnull=True)
                | ~Q(approved_by=models.F("author")),
                name="template_approver_is_not_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.channel}/{self.locale} v{self.version} ({self.status})"

    @transition(field=status, source=Status.DRAFT, target=Status.APPROVED)
    def approve(self, *, by: object, at: object, note: str = "") -> None:
        self.approved_by = by  # type: ignore[assignment]
        self.approved_at = at  # type: ignore[assignment]
        self.decision_note = note

    @transition(field=status, source=Status.DRAFT, target=Status.REJECTED)
    def reject(self, *, note: str) -> None:
        self.decision_note = note

    @transition(field=status, source=Status.APPROVED, target=Status.RETIRED)
    def retire(self, *, at: object) -> None:
        self.retired_at = at  # type: ignore[assignment]


class Notice(FSMModelMixin, models.Model):
    """The outbox: a notice is a row first, sent by a Celery task after commit.

    ``idempotency_key`` = (case, template key, contact point, due date[, reference]): queuing the same
    notice twice returns the existing row. Asking again for one the gate blocked is a new *attempt*: its own
    row and decision, ``retry_of`` the blocked one, the attempt number in its key (``…#2``).

    Status (the state machine below; only the services call the transitions)::

        pending ──claim──────> sending ──mark_sent───> sent
        pending ──block──────> blocked   sending ──fail────────> failed
        pending ──fail───────> failed    sending ──mark_unknown> unknown   (the provider cannot tell)
          (a text that cannot render)    sending ──release─────> pending   (the provider never got it)
                                         unknown ──mark_sent / fail──> sent | failed  (a person decides)

    ``sending`` is the claim a worker takes before it talks to the provider, so two workers never send
    one row; a claim left by a dead worker is reconciled with the provider, never sent again blind.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        BLOCKED = "blocked", _("Blocked by the compliance gate")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Unknown: a person must decide")

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="notices")
    template = models.ForeignKey(NoticeTemplate, on_delete=models.PROTECT, related_name="notices")
    contact_point = models.ForeignKey(ContactPoint, on_delete=models.PROTECT, related_name="notices")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.CharField(max_length=500, help_text="address at queue time (E.164, email, postal)")
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    body_hash = models.CharField(max_length=64)
    due_date = models.DateField()
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = FSMField(
        max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True, protected=True
    )
    # Which ask this is: 1 for the first, 2, 3, … for each retry of a blocked notice (see the docstring).
    attempt = models.PositiveSmallIntegerField(default=1)
    retry_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="retried_by"
    )
    not_before = models.DateTimeField(
        null=True, blank=True, help_text="earliest send time the gate allows (contact hours, caps)"
    )
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    decision = models.JSONField(default=dict, help_text="the gate's last decision")
    provider_reference = models.CharField(max_length=120, blank=True)
    last_error = models.TextField(blank=True)
    queued_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    queued_by = models.CharField(max_length=120)
    # Why it was queued, e.g. "ladder:reminder.firm" for the daily cycle's reminder ladder, so a rung is
    # sent once per case whether it went out as the rung's template or as a limited-content prompt.
    purpose = models.CharField(max_length=64, blank=True, db_index=True)
    # Context beyond the case's own data (a plan's schedule, a dispute's kind and dates), kept so the
    # text rendered again at send time says the same thing.
    context = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-queued_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "not_before"]),
            # The gate's history looks back a few days by claim time, for every notice it decides.
            models.Index(fields=["claimed_at"]),
            # Credit-report registration reads the recent pre-notices (credit.reporting.REGISTER_LOOKBACK).
            models.Index(fields=["template", "queued_at"], name="notice_template_queued"),
        ]

    def __str__(self) -> str:
        # Masked: this string appears in admin titles, logs and links.
        return f"{self.template.key} → {self.contact_point.masked_value} ({self.status})"

    # --- transitions: state and the fields that follow from it, nothing else ----------------------

    @transition(field=status, source=Status.PENDING, target=Status.BLOCKED)
    def block(self, *, decision: dict[str, Any]) -> None:
        self.decision = decision
        self.not_before = None

    @transition(field=status, source=Status.PENDING, target=Status.SENDING)
    def claim(self, *, at: datetime) -> None:
        self.claimed_at = at
        self.attempts += 1

    @transition(field=status, source=[Status.SENDING, Status.UNKNOWN], target=Status.SENT)
    def mark_sent(self, *, reference: str, at: datetime) -> None:
        self.provider_reference = reference
        self.sent_at = at

    # From pending too: a text that cannot be rendered (a missing value) fails before any claim.
    @transition(field=status, source=[Status.PENDING, Status.SENDING, Status.UNKNOWN], target=Status.FAILED)
    def fail(self, *, error: str) -> None:
        self.last_error = error

    @transition(field=status, source=Status.SENDING, target=Status.UNKNOWN)
    def mark_unknown(self, *, reason: str) -> None:
        self.last_error = reason

    @transition(field=status, source=Status.SENDING, target=Status.PENDING)
    def release(self) -> None:
        self.claimed_at = None
