"""The relay: notices a worker should (re)try now because their enqueue or their worker was lost.

Pending rows whose broker message was lost are simply sent again (nothing left the building). A row
left ``sending`` by a worker that died may or may not have reached the provider, so it is never sent
again blind: ``notice_reconcile_stale`` asks the provider (``backend.lookup``) and records what it says,
or marks the notice ``unknown`` for a person to decide (``notice_resolve_unknown``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from debt_collections.errors import InvalidInput, NotPermitted
from debt_collections.kernel.audit import Actor, PendingEvent, audit_append_many
from notifications.channels import DeliveryError, LookupUnavailable, backend_for
from notifications.models import Notice

logger = logging.getLogger(__name__)


def notice_relay_due(*, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Ids of pending notices a worker should send now: past their ``not_before`` and waiting longer than
    the relay delay (their enqueue was lost). Claims left by a dead worker are not here: see
    ``notice_reconcile_stale``."""
    now = now or timezone.now()
    stale_pending = (
        Q(status=Notice.Status.PENDING)
        & (Q(not_before__isnull=True) | Q(not_before__lte=now))
        & (
            Q(not_before__isnull=False)
            | Q(queued_at__lte=now - timedelta(seconds=settings.NOTICE_RELAY_AFTER_SECONDS))
        )
    )
    return list(Notice.objects.filter(stale_pending).order_by("pk").values_list("pk", flat=True)[:limit])


@dataclass
class Reconciled:
    """What ``notice_reconcile_stale`` did, by notice id."""

    sent: list[int] = field(default_factory=list)  # the provider has it: recorded, not sent again
    released: list[int] = field(default_factory=list)  # the provider never got it: pending again
    unknown: list[int] = field(default_factory=list)  # the provider cannot tell: a person decides


def notice_reconcile_stale(*, now: datetime | None = None, limit: int = 1000) -> Reconciled:
    """Settle the rows left ``sending`` longer than ``NOTICE_CLAIM_TIMEOUT_SECONDS`` (their worker died
    between claiming and recording): ask each one's provider, outside any transaction, whether it got the
    key; then, under row locks and only for rows still held by that stale claim, record ``sent`` with the
    provider's reference, ``release`` to ``pending`` (sent again by the relay: the provider never got it),
    or ``unknown`` (the provider cannot tell). Each outcome is audited. Safe to run twice or concurrently.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.NOTICE_CLAIM_TIMEOUT_SECONDS)
    stale = list(
        Notice.objects.filter(status=Notice.Status.SENDING, claimed_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", "channel", "idempotency_key", "claimed_at")[:limit]
    )
    answers: dict[int, tuple[datetime | None, str | None, str]] = {}
    for pk, channel, key, claimed_at in stale:
        try:
            answers[pk] = (claimed_at, backend_for(channel).lookup(idempotency_key=key), "")
        except (LookupUnavailable, DeliveryError) as exc:
            answers[pk] = (claimed_at, None, str(exc) or exc.__class__.__name__)
    done = Reconciled()
    if not answers:
        return done
    system = Actor.system("notice_reconcile")
    events: list[PendingEvent] = []
    with transaction.atomic():
        for notice in Notice.objects.select_for_update().filter(pk__in=list(answers)).order_by("pk"):
            claimed_at, reference, cannot_tell = answers[notice.pk]
            payload: dict[str, Any]
            if notice.status != Notice.Status.SENDING or notice.claimed_at != claimed_at:
                continue  # its worker recorded it after all, or another relay settled it
            if cannot_tell:
                notice.mark_unknown(reason=f"claimed {claimed_at} and never recorded; {cannot_tell}")
                done.unknown.append(notice.pk)
                action, payload = "notice.unknown", {"reason": cannot_tell}
            elif reference:
                notice.mark_sent(reference=reference, at=now)
                done.sent.append(notice.pk)
                action, payload = "notice.sent", {"provider_reference": reference, "reconciled": True}
            else:
                notice.release()
                done.released.append(notice.pk)
                action, payload = "notice.released", {"reason": "the provider never received it"}
            notice.save(update_fields=["status", "provider_reference", "sent_at", "last_error", "claimed_at"])
            events.append(
                PendingEvent(
                    action=action,
                    case_id=notice.case_id,
                    actor=system,
                    payload={"notice": notice.pk, "claimed_at": claimed_at, **payload},
                )
            )
        audit_append_many(events, at=now)
    if done.unknown:
        logger.warning("%d notices in an unknown state need a person to decide", len(done.unknown))
    return done


def notice_resolve_unknown(
    *, notice_id: int, delivered: bool, actor: Actor, note: str, now: datetime | None = None
) -> Notice:
    """A person decides a notice whose delivery is ``unknown`` (after checking the provider's console or
    the mail logs): ``sent`` when it was delivered, else ``failed`` (an agent may queue it again).

    Needs a supervisor or compliance officer and a note. Raises ``NotPermitted``, ``InvalidInput`` (not
    unknown, no note).
    """
    now = now or timezone.now()
    user = actor.user
    if user is None or not (user.is_superuser or user.is_supervisor or user.is_compliance):
        raise NotPermitted("Only a supervisor or compliance officer can decide an unknown delivery.")
    if not note.strip():
        raise InvalidInput("Say what the provider's records show.")
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice_id)
        if notice.status != Notice.Status.UNKNOWN:
            raise InvalidInput(f"Only an unknown delivery can be decided; this notice is {notice.status}.")
        if delivered:
            notice.mark_sent(reference=notice.provider_reference, at=now)
        else:
            notice.fail(error=f"not delivered, decided by {actor.label}: {note}")
        notice.save(update_fields=["status", "provider_reference", "sent_at", "last_error"])
        audit_append_many(
            [
                PendingEvent(
                    action="notice.resolved",
                    case_id=notice.case_id,
                    actor=actor,
                    payload={"notice": notice.pk, "delivered": delivered, "note": note},
                )
            ],
            at=now,
        )
    return notice
