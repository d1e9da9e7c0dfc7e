"""The case lifecycle: cases, contact attempts, payments, disputes and the audit chain."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, transition

from accounts.models import Agency, ContactPoint, CreditAccount, Customer, money_field
from debt_collections.models.audit_seals import CanonicalJSONField
from debt_collections.models.fsm import ConcurrentStateMixin


class CaseState(models.TextChoices):
    EARLY = "early", _("Early (soft reminders)")
    ACTIVE = "active", _("Active collection")
    NEGOTIATING = "negotiating", _("Negotiating")
    ON_PLAN = "on_plan", _("On a plan")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved")
    CHARGED_OFF = "charged_off", _("Charged off")
    CLOSED = "closed", _("Closed")


S = CaseState
# States a case can be held from, and so the states a release can return to.
HOLDABLE = [S.EARLY, S.ACTIVE, S.NEGOTIATING, S.ON_PLAN]
# A case in one of these is finished; a new delinquency on the account opens a new case.
TERMINAL = [S.RESOLVED, S.CLOSED]


class HoldReason(models.TextChoices):
    DISPUTE = "dispute", _("Dispute")
    COMPLAINT = "complaint", _("Complaint")
    HARDSHIP = "hardship", _("Hardship")
    BREATHING_SPACE = "breathing_space", _("Breathing space")
    COMPLIANCE = "compliance", _("Compliance hold")


class CloseReason(models.TextChoices):
    FRAUD_UPHELD = "fraud_upheld", _("Fraud upheld")
    NOT_OUR_CUSTOMER = "not_our_customer", _("Not our customer")
    DECEASED = "deceased", _("Deceased")
    WRITTEN_OFF = "written_off", _("Written off")


class CollectionCase(ConcurrentStateMixin, models.Model):
    """One delinquency episode of a credit account.

    The state field is protected: it changes only through the ``@transition`` methods below, and
    those are called only from ``debt_collections.services`` (which locks, audits and schedules).
    ``ConcurrentTransitionMixin`` makes a save from a stale copy fail instead of overwriting.
    """

    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="cases")
    # Denormalised from the account: contact caps count per person across all their accounts.
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="cases")
    state = FSMField(default=S.EARLY, choices=CaseState.choices, protected=True, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    hold_reason = models.CharField(max_length=32, choices=HoldReason.choices, blank=True)
    hold_until = models.DateTimeField(null=True, blank=True)
    resume_state = models.CharField(max_length=16, choices=CaseState.choices, blank=True)
    close_reason = models.CharField(max_length=32, choices=CloseReason.choices, blank=True)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    next_action_at = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=~Q(state__in=TERMINAL),
                name="one_open_case_per_account",
            ),
            models.CheckConstraint(
                condition=~Q(state=S.ON_HOLD) | Q(resume_state__in=HOLDABLE),
                name="case_on_hold_has_resume_state",
            ),
        ]
        indexes = [
            # The staff lists' default orders read from an index instead of sorting every case per page:
            # the admin's (-opened_at, pk) and the API's (-opened_at, -pk). One index cannot serve both
            # when a day's cycle opens a thousand cases with the same opened_at.
            models.Index(models.F("opened_at").desc(), models.F("id"), name="case_opened_idx"),
            models.Index(models.F("opened_at").desc(), models.F("id").desc(), name="case_opened_newest_idx"),
            # The cycle's ladder step: cases that changed state today.
            models.Index(fields=["updated_at"], name="case_updated_idx"),
            # The admin list's sorts by state and by next action, ties by id in the sort's direction
            # (admin/dpd_order.CaseChangeList), read forwards or backwards; the "next action due" filter.
            models.Index(fields=["state", "id"], name="case_state_idx"),
            # The admin list filtered by state in its default order (newest first): without it the page
            # walked case_opened_idx past every case in other states (24,660 rows at 1,000,000 accounts).
            models.Index("state", models.F("opened_at").desc(), models.F("id"), name="case_state_opened_idx"),
            # The admin list of one agency (an agency user's whole list, or the agency filter) in its default
            # order: without it the page walked case_opened_idx past every newer case of other agencies or
            # none (279,923 rows, 117 ms at 1,000,000 accounts when the agency holds the older 60%).
            models.Index(
                "agency", models.F("opened_at").desc(), models.F("id"), name="case_agency_opened_idx"
            ),
            models.Index(fields=["next_action_at", "id"], name="case_next_action_idx"),
        ]

    def __str__(self) -> str:
        return f"Case #{self.pk} ({self.get_state_display()})"

    @staticmethod
    def next_action_overdue_q(now: Any) -> Q:
        """Cases whose scheduled next action is past ``now`` and that are still open: a resolved or closed
        case is never overdue, even with a ``next_action_at`` left from before its end (issue 14)."""
        return Q(next_action_at__lt=now) & ~Q(state__in=TERMINAL)

    @property
    def is_open(self) -> bool:
        return self.state not in TERMINAL

    def state_saved(self) -> None:
        """Record that the database now holds this object's state (after a bulk UPDATE wrote it), so the
        concurrency mixin checks a later ``save()`` against the new state, not the one first read."""
        self._update_initial_state()

    # --- transitions: state and derived fields only; services do the rest -------------------

    @transition(field=state, source=S.EARLY, target=S.ACTIVE)
    def escalate(self) -> None:
        pass

    @transition(field=state, source=[S.EARLY, S.ACTIVE], target=S.NEGOTIATING)
    def engage(self) -> None:
        pass

    @transition(field=state, source=S.NEGOTIATING, target=S.ON_PLAN)
    def accept_plan(self) -> None:
        pass

    @transition(field=state, source=S.ON_PLAN, target=S.RESOLVED)
    def complete_plan(self, *, at: Any) -> None:
        self.closed_at = at
        self.next_action_at = None  # a finished case has nothing left to do: never "overdue"

    @transition(field=state, source=S.ON_PLAN, target=S.ACTIVE)
    def break_plan(self) -> None:
        pass

    @transition(field=state, source=S.ON_PLAN, target=S.NEGOTIATING)
    def withdraw_plan(self) -> None:
        """The customer withdrew within the cooling-off period: back to choosing an option."""

    # Paid in full ends the case even while it is on hold: nothing is owed, so nothing is left to pause.
    @transition(field=state, source=[*HOLDABLE, S.ON_HOLD], target=S.RESOLVED)
    def resolve(self, *, at: Any) -> None:
        self.closed_at = at
        self.next_action_at = None
        self.hold_reason = ""
        self.hold_until = None
        self.resume_state = ""

    @transition(field=state, source=HOLDABLE, target=S.ON_HOLD)
    def hold(self, *, reason: str, until: Any = None) -> None:
        self.resume_state = self.state
        self.hold_reason = reason
        self.hold_until = until

    @transition(field=state, source=S.ON_HOLD, target=RETURN_VALUE(*HOLDABLE))
    def release(self) -> str:
        """Return to the state saved when the hold began."""
        resume = self.resume_state
        self.resume_state = ""
        self.hold_reason = ""
        self.hold_until = None
        return resume

    @transition(field=state, source=S.ACTIVE, target=S.CHARGED_OFF)
    def charge_off(self) -> None:
        pass

    @transition(field=state, source=[*HOLDABLE, S.ON_HOLD, S.CHARGED_OFF], target=S.CLOSED)
    def close(self, *, reason: str, at: Any) -> None:
        self.close_reason = reason
        self.closed_at = at
        self.next_action_at = None
        self.hold_reason = ""
        self.hold_until = None
        self.resume_state = ""


class ContactAttempt(models.Model):
    """A call, SMS, email or letter attempt with the gate's decision, allowed or blocked."""

    class Channel(models.TextChoices):
        CALL = "call", _("Call")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")
        LETTER = "letter", _("Letter")

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound")
        INBOUND = "inbound", _("Inbound")

    class Outcome(models.TextChoices):
        NONE = "", _("Not placed")
        NO_ANSWER = "no_answer", _("No answer")
        LEFT_MESSAGE = "left_message", _("Left a limited-content message")
        SPOKE_DEBTOR = "spoke_debtor", _("Spoke with the customer")
        PROMISE_TO_PAY = "promise_to_pay", _("Promise to pay")
        REFUSED = "refused", _("Refused to talk")
        CALLBACK = "callback_requested", _("Callback requested")
        WRONG_PARTY = "wrong_party", _("Wrong party")
        OTHER = "other", _("Other")

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="contact_attempts")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="contact_attempts")
    contact_point = models.ForeignKey(ContactPoint, on_delete=models.PROTECT, related_name="attempts")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.OUTBOUND)
    placed_at = models.DateTimeField(db_index=True)
    connected = models.BooleanField(default=False)
    conversation = models.BooleanField(default=False)
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    note = models.TextField(blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    allowed = models.BooleanField()
    blocked_by = models.JSONField(default=list, blank=True)
    next_allowed_at = models.DateTimeField(null=True, blank=True)
    policy_version = models.CharField(max_length=32)

    class Meta:
        ordering = ["-placed_at", "-pk"]
        indexes = [models.Index(fields=["customer", "channel", "placed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(allowed=True) | Q(connected=False, conversation=False),
                name="blocked_attempt_never_connected",
            ),
            models.CheckConstraint(
                condition=Q(connected=True) | Q(conversation=False), name="conversation_needs_connection"
            ),
        ]

    def __str__(self) -> str:
        verdict = "allowed" if self.allowed else "blocked " + ",".join(self.blocked_by)
        return f"{self.get_channel_display()} {self.placed_at:%Y-%m-%d %H:%M} ({verdict})"


class Payment(models.Model):
    """A payment received. Idempotent by the payment provider's external reference."""

    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="payments")
    case = models.ForeignKey(
        CollectionCase, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    external_reference = models.CharField(max_length=64, unique=True)
    amount = money_field()
    currency = models.CharField(max_length=3)
    received_at = models.DateTimeField()
    allocation = models.JSONField(default=dict, help_text="Amount applied to each balance component")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.external_reference}: {self.amount} {self.currency}"


class Dispute(ConcurrentStateMixin, models.Model):
    """A dispute or complaint. Opening one puts the case on hold in the same transaction.

    ``open → upheld | rejected``: the status is protected and changes only through ``decide``, called
    only by ``services.disputes.dispute_resolve``.
    """

    class Kind(models.TextChoices):
        NOT_MY_DEBT = "not_my_debt", _("Not my debt")
        IDENTITY_THEFT = "identity_theft", _("Identity theft")
        AMOUNT_WRONG = "amount_wrong", _("The amount is wrong")
        ALREADY_PAID = "already_paid", _("Already paid")
        CONDUCT_COMPLAINT = "conduct_complaint", _("Complaint about collection conduct")
        CREDIT_REPORT = "credit_report", _("Credit report objection")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="disputes")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    status = FSMField(max_length=12, choices=Status.choices, default=Status.OPEN, protected=True)
    description = models.TextField(blank=True)
    channel = models.CharField(max_length=16, default="admin")
    disputed_amount = money_field(null=True, blank=True)
    # The balance component the disputed amount sits in; payments are never allocated to it.
    disputed_component = models.CharField(max_length=20, blank=True)
    opened_at = models.DateTimeField()
    sla_due_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["sla_due_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @transition(field=status, source=Status.OPEN, target=RETURN_VALUE(Status.UPHELD, Status.REJECTED))
    def decide(self, *, outcome: str, text: str, at: Any) -> str:
        """Record the outcome (``upheld`` or ``rejected``) and the words the customer reads."""
        self.outcome = text
        self.resolved_at = at
        return outcome


GENESIS_HASH = "0" * 64


class AuditChainHead(models.Model):
    """The head of one audit chain (``id`` is the chain's number): an append locks its chain's row, so appends
    to one chain are serialized and it cannot fork, while appends to different chains run side by side."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=0)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"audit chain {self.id} head seq={self.last_seq}"


class AuditEvent(models.Model):
    """An append-only, hash-chained record. The database refuses UPDATE and DELETE (triggers).

    ``hash = sha256(prev_hash + canonical_json(seq, at, actor, action, case, payload))``; see
    ``debt_collections.kernel.audit``.
    """

    # Which chain (``kernel.audit.chain_for``: a case's events are all on one chain) and the position on it.
    chain = models.PositiveSmallIntegerField(default=0)
    seq = models.BigIntegerField()
    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=120, help_text="user:<id>:<username>, link:<id>, system:<task>")
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=64, db_index=True)
    # Indexed with its chain and seq below (``audit_event_case_seq``), not on its own: a case's timeline
    # reads its events in order, newest first for the latest page.
    case = models.ForeignKey(
        CollectionCase,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="audit_events",
    )
    # The canonical JSON text itself (not jsonb): the hash covers the stored bytes (see ``audit_seals``).
    payload = CanonicalJSONField(default=dict)
    # Not unique: a forged row that copies the head's hash must not block the application's next append
    # (appends are serialized by the chain-head lock; verification reports any fork). Not indexed either:
    # nothing looks an event up by the hash before it (verification walks each chain by seq), and an
    # index on random hex takes a random page per insert (the cycle appends ~50,000 events a run).
    prev_hash = models.CharField(max_length=64)
    # Unique by a constraint, not ``unique=True``, which on PostgreSQL adds a second (LIKE) index on the
    # same random text for prefix searches nobody makes.
    hash = models.CharField(max_length=64)
    # HMAC-SHA-256 of ``hash`` with a key the database never holds (``kernel.audit_keys``).
    mac = models.CharField(max_length=64, default="")

    class Meta:
        ordering = ["chain", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_event_chain_seq"),
            models.UniqueConstraint(fields=["hash"], name="audit_event_hash_unique"),
        ]
        indexes = [models.Index(fields=["case", "chain", "seq"], name="audit_event_case_seq")]

    def __str__(self) -> str:
        return f"#{self.chain}.{self.seq} {self.action} by {self.actor}"
