"""Sending notices in three steps so that no I/O happens inside a transaction: claim the row
(``pending → sending``), talk to the provider, record the outcome.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Customer
from debt_collections.kernel.audit import Actor, PendingEvent, audit_append_many
from debt_collections.kernel.bulk import bulk_set
from debt_collections.kernel.gate import GateRequest, gate_decide_many
from notifications.channels import DeliveryError, backend_for
from notifications.models import Notice
from notifications.rendering import build_context
from notifications.services.queue import only_time_rules
from notifications.template_contracts import MissingTemplateValue, render_checked

logger = logging.getLogger(__name__)

# What claiming, deferring, blocking or failing a pending notice may change on its row, and what recording
# the provider's answer changes.
CLAIM_FIELDS = (
    "status", "decision", "not_before", "claimed_at", "attempts", "last_error",
    "subject", "body", "body_hash",
)  # fmt: skip
DONE_FIELDS = ("status", "provider_reference", "sent_at", "last_error")


def notice_send(*, notice_id: int, now: datetime | None = None) -> Notice:
    """Send one notice if it is still due (see ``notice_send_many``). Returns the row as it ends up."""
    sent = notice_send_many(notice_ids=[notice_id], now=now)
    return sent[0] if sent else Notice.objects.get(pk=notice_id)


def _claimable(notice: Notice, now: datetime) -> bool:
    """Pending and past its ``not_before``. A ``sending`` row is never claimed again here, however old its
    claim: the provider may have it, so the relay reconciles it (``relay.notice_reconcile_stale``)."""
    return notice.status == Notice.Status.PENDING and (notice.not_before is None or notice.not_before <= now)


def notice_send_many(*, notice_ids: list[int], now: datetime | None = None) -> list[Notice]:
    """Send the notices that are still due. Safe to run twice or concurrently: only one claim wins.

    1. In one transaction: lock the pending rows' customers, then the rows (rows another worker holds
       are skipped: it is sending them), re-check the gate for each (counting the ones this batch sends),
       and block, defer or claim each one (``pending → sending``).
    2. Outside any transaction: one provider call per claimed notice, with its idempotency key.
    3. In one transaction: record ``sent`` with the provider reference, or ``failed`` with the error.

    Returns the rows this call handled (claimed, blocked or deferred), in id order.
    """
    clock_given = now is not None
    now = now or timezone.now()
    system = Actor.system("notice_send")
    skip_locked = connection.features.has_select_for_update_skip_locked
    opt_outs: dict[int, str] = {}
    with transaction.atomic():
        # The customers first, then their notices: the order every writer takes them in (a service locks
        # the case with its customer, then blocks or queues that customer's notices). Notices first and
        # customers second deadlocked with an agent reporting a wrong party while this batch held its
        # notice. One gate decision at a time per person: two workers must not both fill a cap's last slot.
        customers = set(
            Notice.objects.filter(pk__in=notice_ids, status=Notice.Status.PENDING).values_list(
                "case__customer_id", flat=True
            )
        )
        if not customers:
            return []
        list(
            Customer.objects.select_for_update()
            .filter(pk__in=customers)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        locked = list(
            # FOR NO KEY UPDATE: the claim changes no key, so rows that reference a notice being sent (a
            # credit record's pre-notice) can still be written meanwhile instead of queueing behind it.
            Notice.objects.select_for_update(of=("self",), skip_locked=skip_locked, no_key=True)
            .select_related("template", "contact_point", "case__customer", "case__account")
            .filter(pk__in=notice_ids, status=Notice.Status.PENDING)
            .order_by("pk")
        )
        # Only rows whose customer this batch holds (a row that became pending in between waits for the next).
        due = [n for n in locked if _claimable(n, now) and n.case.customer_id in customers]
        if not due:
            return []
        decisions = gate_decide_many(
            requests=[
                GateRequest(
                    case=n.case, contact_point=n.contact_point, channel=n.channel, template=n.template
                )
                for n in due
            ],
            actor_user=None,
            now=now,
            count_allowed=True,
        )
        events: list[PendingEvent] = []
        claimed: list[Notice] = []
        for notice, decision in zip(due, decisions, strict=True):
            notice.decision = decision.to_dict()
            if decision.allowed:
                # Re-rendered at claim time so the text sent (and stored) reflects today's balances; a
                # value the text prints that is missing or empty fails the notice instead of sending a
                # blank (issue 12).
                context = build_context(
                    template=notice.template,
                    case=notice.case,
                    point=notice.contact_point,
                    now=now,
                    extra=notice.context,
                )
                try:
                    notice.subject, notice.body, notice.body_hash = render_checked(
                        notice.template.subject, notice.template.body, context
                    )
                except MissingTemplateValue as exc:
                    notice.fail(error=exc.message)
                    events.append(
                        PendingEvent(
                            action="notice.failed",
                            case_id=notice.case_id,
                            actor=system,
                            payload={"notice": notice.pk, "error": exc.message, "missing": exc.names},
                        )
                    )
                    continue
                # The link the text carries is the one the provider gets for its unsubscribe header.
                opt_outs[notice.pk] = str(context.get("opt_out_url") or "")
                notice.claim(at=now)
                claimed.append(notice)
            elif only_time_rules(decision):
                notice.not_before = decision.next_allowed_at  # still pending: it waits, nothing else
                events.append(
                    PendingEvent(
                        action="notice.deferred",
                        case_id=notice.case_id,
                        actor=system,
                        payload={"notice": notice.pk, **notice.decision},
                    )
                )
            else:
                notice.block(decision=notice.decision)
                events.append(
                    PendingEvent(
                        action="notice.blocked",
                        case_id=notice.case_id,
                        actor=system,
                        payload={"notice": notice.pk, "at_send_time": True, **notice.decision},
                    )
                )
        # Every row's outcome in one statement, whatever the mix of claimed, deferred, blocked and failed:
        # the transitions above checked each row's state and set these columns on the instances.
        bulk_set(Notice, due, CLAIM_FIELDS)
        audit_append_many(events, at=now)

    outcomes: list[tuple[Notice, str, str]] = []
    for notice in claimed:
        try:
            reference = backend_for(notice.channel).send(
                to=notice.recipient,
                subject=notice.subject,
                body=notice.body,
                idempotency_key=notice.idempotency_key,
                opt_out_url=opt_outs[notice.pk],
            )
            outcomes.append((notice, reference, ""))
        except DeliveryError as exc:
            outcomes.append((notice, "", str(exc)))

    if outcomes:
        # The provider answered just now; a caller replaying history (the demo, a test) passes its own time.
        done = now if clock_given else timezone.now()
        with transaction.atomic():
            events = []
            for notice, reference, error in outcomes:
                if error:
                    notice.fail(error=error)
                    events.append(
                        PendingEvent(
                            action="notice.failed",
                            case_id=notice.case_id,
                            actor=system,
                            payload={"notice": notice.pk, "error": error, "attempts": notice.attempts},
                        )
                    )
                else:
                    notice.mark_sent(reference=reference, at=done)
                    events.append(
                        PendingEvent(
                            action="notice.sent",
                            case_id=notice.case_id,
                            actor=system,
                            payload={
                                "notice": notice.pk,
                                "provider_reference": reference,
                                "body_hash": notice.body_hash,
                                "template": notice.template.key,
                                "version": notice.template.version,
                            },
                        )
                    )
            # Only rows still held by this claim: a claim the relay reconciled meanwhile (this worker was
            # slower than the claim timeout) keeps the relay's outcome, and is not audited again here.
            ours = set(
                bulk_set(
                    Notice,
                    [n for n, _r, _e in outcomes],
                    DONE_FIELDS,
                    where=[("status", Notice.Status.SENDING), ("claimed_at", now)],
                )
            )
            audit_append_many([e for e in events if e.payload["notice"] in ours], at=done)
    return due
