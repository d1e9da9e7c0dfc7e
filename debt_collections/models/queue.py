"""The work queue's rows (issue 14): one per case an agent may work, with its priority score, the
next-best action and when a call is allowed, so the list is one indexed read with no gate evaluation per
row. Written only by ``services.queue`` (the daily cycle, and after every attempt or promise)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from debt_collections.models.cases import CollectionCase


class NextAction(models.TextChoices):
    CALLBACK = "callback", _("Call back (the customer asked)")
    FOLLOW_UP_PROMISE = "follow_up_promise", _("Follow up the promise")
    REVIEW_WAIVER = "review_waiver", _("Review the waiver request")
    CALL = "call", _("Call")
    SEND_NOTICE = "send_notice", _("Send a notice")
    WAIT = "wait", _("Wait: no contact allowed yet")


class QueueEntry(models.Model):
    """A call may be placed at ``t`` when ``call_from ≤ t < call_until`` or ``call_next_from ≤ t <
    call_next_until`` (the gate's answer at ``computed_at``, valid until ``refresh_at`` while the history
    does not change: every attempt refreshes the row). A null ``call_from`` means no call until a person
    acts (``call_blocked_by`` names the rules)."""

    case = models.OneToOneField(
        CollectionCase, primary_key=True, on_delete=models.CASCADE, related_name="queue_entry"
    )
    score = models.IntegerField()
    reasons = models.JSONField(default=list, help_text=_("What the score is made of, in order"))
    next_action = models.CharField(max_length=20, choices=NextAction.choices)
    call_from = models.DateTimeField(null=True, blank=True)
    call_until = models.DateTimeField(null=True, blank=True)
    call_next_from = models.DateTimeField(null=True, blank=True)
    call_next_until = models.DateTimeField(null=True, blank=True)
    call_blocked_by = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField()
    # The earliest instant this row may be wrong by the clock alone (a call stretch ends, a callback or a
    # promise comes due, a broken promise or plan stops counting); null when only an event can change it.
    # ``services.queue.queue_refresh_due`` recomputes rows whose instant has come, so nothing recomputes
    # every row of the book on a schedule.
    refresh_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "case"]
        verbose_name = _("work queue entry")
        verbose_name_plural = _("work queue")
        indexes = [
            models.Index(fields=["-score", "case"], name="queue_score"),
            models.Index(fields=["call_from", "call_until"], name="queue_call_window"),
            models.Index(fields=["call_next_from", "call_next_until"], name="queue_call_next_window"),
            models.Index(fields=["refresh_at"], name="queue_refresh_at"),
        ]

    def __str__(self) -> str:
        return f"case {self.case_id}: {self.score} ({self.next_action})"

    @staticmethod
    def callable_at(t: object) -> models.Q:
        """The filter "may be called at ``t``" (both stretches)."""
        return models.Q(call_from__lte=t, call_until__gt=t) | models.Q(
            call_next_from__lte=t, call_next_until__gt=t
        )
