"""Credit-bureau reporting (DESIGN §9): the pre-notice that must come first, and the records sent.

``CreditReportNotice`` is one per case (delinquency episode): which ``credit_report.pre_notice`` went out,
when it was delivered, and the earliest instant a negative record may be reported
(``eligible_at = delivered_at + pack.credit_report_prenotice_days``). ``BureauRecord`` is one line of the
bureau feed, negative or correction, written only by ``credit.reporting``; ``exported_at`` says which
feed file carried it, so a second export for the same date emits nothing twice.

``LimitChangeAppeal`` is a proxy of ``accounts.CreditLimitChange`` for the supervisors' appeal queue in
the admin (a model can be registered only once per admin site, and the accounts admin has the plain one).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import CreditAccount, CreditLimitChange
from debt_collections.models.cases import CollectionCase, Dispute


class CreditReportNotice(models.Model):
    """The advance notice before negative credit reporting, and where the case stands with it.

    ``pending`` (no delivered pre-notice yet, or its waiting period runs) → ``eligible`` (the period has
    passed and nothing suppresses a report) → ``reported``; ``suppressed`` while something forbids a
    report (an open dispute, a plan being kept, a hold, a finished case; reversible while the reason
    lasts); ``corrected`` once a correction record was made for the reported one. Written only by
    ``credit.reporting``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ELIGIBLE = "eligible", _("Eligible")
        REPORTED = "reported", _("Reported")
        SUPPRESSED = "suppressed", _("Suppressed")
        CORRECTED = "corrected", _("Corrected")

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="credit_report_notices")
    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="credit_report_notices")
    # A string reference: notifications.models imports this app's models.
    pre_notice = models.ForeignKey(
        "notifications.Notice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=8, blank=True, help_text="the pre-notice's channel")
    policy_version = models.CharField(max_length=32)
    prenotice_days = models.PositiveSmallIntegerField(help_text="the pack's pre-notice period when created")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    eligible_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    corrected_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    suppressed_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["case"], name="one_credit_report_notice_per_case"),
            # No eligibility without delivery, and no report without eligibility.
            models.CheckConstraint(
                condition=Q(eligible_at__isnull=True) | Q(delivered_at__isnull=False),
                name="credit_report_eligible_needs_delivery",
            ),
            models.CheckConstraint(
                condition=Q(reported_at__isnull=True) | Q(eligible_at__lte=models.F("reported_at")),
                name="credit_report_reported_after_eligible",
            ),
        ]
        indexes = [
            # The open records of an account range (the cycle's chunks), without reading every open one.
            models.Index(
                fields=["account"],
                condition=Q(status__in=["pending", "eligible", "suppressed"]),
                name="credit_report_open",
            ),
            # The few records whose pre-notice's delivery the cycle still waits for, per account range.
            models.Index(
                fields=["account"], condition=Q(delivered_at__isnull=True), name="credit_report_undelivered"
            ),
        ]

    def __str__(self) -> str:
        return f"credit report notice for case {self.case_id} ({self.status})"


class BureauRecord(models.Model):
    """One line of the credit-bureau feed. Unique per (account, kind, as_of): a date is reported once."""

    class Kind(models.TextChoices):
        NEGATIVE = "negative", _("Negative")
        CORRECTION = "correction", _("Correction")

    class DisputeMarker(models.TextChoices):
        NONE = "", _("None")
        # A negative record on a case whose earlier dispute was decided against the customer or withdrawn
        # (Metro 2 "XH": previously in dispute, investigation completed).
        PREVIOUSLY_DISPUTED = "previously_disputed", _("Previously disputed")
        # A correction that follows the customer's upheld dispute.
        DISPUTE_UPHELD = "dispute_upheld", _("Dispute upheld")

    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="bureau_records")
    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="bureau_records")
    notice = models.ForeignKey(CreditReportNotice, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status_code = models.CharField(max_length=16, help_text="docs/bureau-feed.md")
    amount_band = models.CharField(max_length=24)
    currency = models.CharField(max_length=3)
    days_past_due = models.PositiveIntegerField()
    delinquent_since = models.DateField(null=True, blank=True, help_text="the oldest unpaid due date")
    as_of = models.DateField()
    dispute_marker = models.CharField(max_length=24, choices=DisputeMarker.choices, blank=True)
    dispute = models.ForeignKey(Dispute, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    reason = models.TextField(blank=True, help_text="why a correction was made")
    policy_version = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=120, help_text="audit actor label")
    exported_at = models.DateTimeField(null=True, blank=True, db_index=True)
    feed_file = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-as_of", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "kind", "as_of"], name="bureau_record_once_per_date"),
            # One negative record per delinquency episode, and one correction per negative record.
            models.UniqueConstraint(
                fields=["notice"], condition=Q(kind="negative"), name="one_negative_record_per_notice"
            ),
            models.UniqueConstraint(
                fields=["corrects"], condition=Q(corrects__isnull=False), name="one_correction_per_record"
            ),
            models.CheckConstraint(
                condition=(Q(kind="negative") & Q(corrects__isnull=True))
                | (Q(kind="correction") & Q(corrects__isnull=False)),
                name="bureau_correction_names_its_record",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.status_code} {self.account_id} as of {self.as_of}"


class LimitChangeAppeal(CreditLimitChange):
    """The supervisors' queue of appealed credit-limit changes (admin only; no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("limit-change appeal")
        verbose_name_plural = _("limit-change appeals")
