"""Sending notices in three steps so that no I/O happens inside a transaction: claim the row
(``pending → sending``), talk to the provider, record the outcome.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Customer
from debt_collections.kernel.audit import Actor, PendingEvent, audit_append_many
from debt_collections.kernel.gate import GateRequest, gate_decide_many
from notifications.channels import DeliveryError, backend_for
from notifications.models import Notice
from notifications.rendering import build_context, opt_out_url
from notifications.services.queue import only_time_rules
from notifications.template_contracts import MissingTemplateValue, render_checked

logger = logging.getLogger(__name__)


def notice_send(*, notice_id: int, now: datetime | None = None) -> Notice:
    """Send one notice if it is still due (see ``notice_send_many``). Returns the row as it ends up."""
    sent = notice_send_many(notice_ids=[notice_id], now=now)
    return sent[0] if sent else Notice.objects.get(pk=notice_id)


def _claimable(notice: Notice, now: datetime) -> bool:
    """Pending and past its ``not_before``. A ``sending`` row is never claimed again here, however old its
    claim: the provider may have it, so the relay reconciles it (``relay.notice_reconcile_stale``)."""
    return notice.status == Notice.Status.PENDING and (notice.not_before is None or notice.not_before <= now)


def _set_per_row(column: str, values: dict[int, str]) -> None:
    """One UPDATE giving each row its own value of a text column (``CASE id WHEN … END``): Django's
    bulk_update builds the same statement through the expression API at many times the CPU cost."""
    if not values:
        return
    table = Notice._meta.db_table
    cases = " ".join("WHEN %s THEN %s" for _ in values)
    placeholders = ", ".join("%s" for _ in values)
    params: list[int | str] = []
    for pk, value in values.items():
        params.extend([pk, value])
    params.extend(values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = CASE id {cases} END WHERE id IN ({placeholders})",  # noqa: S608
            params,
        )


def _rewrite_content(notices: list[Notice]) -> None:
    """Store the re-rendered text and the send-time decision of these notices: one statement sent many
    times (psycopg pipelines it), as one ``QuerySet.update`` per row cost more than the sending."""
    if not notices:
        return
    decision = Notice._meta.get_field("decision")
    table = connection.ops.quote_name(Notice._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET subject = %s, body = %s, body_hash = %s, decision = %s "  # noqa: S608 (constants)
            "WHERE id = %s",
            [
                (n.subject, n.body, n.body_hash, decision.get_db_prep_save(n.decision, connection), n.pk)
                for n in notices
            ],
        )


def notice_send_many(*, notice_ids: list[int], now: datetime | None = None) -> list[Notice]:
    """Send the notices that are still due. Safe to run twice or concurrently: only one claim wins.

    1. In one transaction: lock the rows (rows another worker holds are skipped: it is sending them),
       lock their customers, re-check the gate for each (counting the ones this batch sends), and
       block, defer or claim each one (``pending → sending``).
    2. Outside any transaction: one provider call per claimed notice, with its idempotency key.
    3. In one transaction: record ``sent`` with the provider reference, or ``failed`` with the error.

    Returns the rows this call handled (claimed, blocked or deferred), in id order.
    """
    clock_given = now is not None
    now = now or timezone.now()
    system = Actor.system("notice_send")
    skip_locked = connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        locked = list(
            Notice.objects.select_for_update(of=("self",), skip_locked=skip_locked)
            .select_related("template", "contact_point", "case__customer", "case__account")
            .filter(pk__in=notice_ids)
            .order_by("pk")
        )
        due = [n for n in locked if _claimable(n, now)]
        if not due:
            return []
        # One gate decision at a time per person: two workers must not both fill the last slot of a cap.
        list(
            Customer.objects.select_for_update()
            .filter(pk__in={n.case.customer_id for n in due})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
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
        rewritten: list[Notice] = []
        for notice, decision in zip(due, decisions, strict=True):
            previous_decision = notice.decision
            notice.decision = decision.to_dict()
            if decision.allowed:
                # Re-rendered at claim time so the text sent (and stored) reflects today's balances; a
                # value the text prints that is missing or empty fails the notice instead of sending a
                # blank (issue 12).
                try:
                    subject, body, digest = render_checked(
                        notice.template.subject,
                        notice.template.body,
                        build_context(
                            template=notice.template,
                            case=notice.case,
                            point=notice.contact_point,
                            now=now,
                            extra=notice.context,
                        ),
                    )
                except MissingTemplateValue as exc:
                    notice.fail(error=exc.message)
                    Notice.objects.filter(pk=notice.pk).update(
                        status=notice.status, last_error=notice.last_error, decision=notice.decision
                    )
                    events.append(
                        PendingEvent(
                            action="notice.failed",
                            case_id=notice.case_id,
                            actor=system,
                            payload={"notice": notice.pk, "error": exc.message, "missing": exc.names},
                        )
                    )
                    continue
                if digest != notice.body_hash or notice.decision != previous_decision:
                    notice.subject, notice.body, notice.body_hash = subject, body, digest
                    rewritten.append(notice)
                notice.claim(at=now)
                claimed.append(notice)
            elif only_time_rules(decision):
                notice.not_before = decision.next_allowed_at  # still pending: it waits, nothing else
                Notice.objects.filter(pk=notice.pk).update(
                    decision=notice.decision, not_before=notice.not_before
                )
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
                Notice.objects.filter(pk=notice.pk).update(
                    decision=notice.decision, status=notice.status, not_before=None
                )
                events.append(
                    PendingEvent(
                        action="notice.blocked",
                        case_id=notice.case_id,
                        actor=system,
                        payload={"notice": notice.pk, "at_send_time": True, **notice.decision},
                    )
                )
        _rewrite_content(rewritten)
        # The claim itself is one statement for the whole batch (most rows change nothing else); the
        # transitions above checked each row's state and set the same values on the instances.
        Notice.objects.filter(pk__in=[n.pk for n in claimed]).update(
            status=Notice.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        audit_append_many(events, at=now)

    outcomes: list[tuple[Notice, str, str]] = []
    for notice in claimed:
        opt_out = (
            opt_out_url(contact_point_id=notice.contact_point_id, channel=notice.channel)
            if notice.channel != "letter"
            else ""
        )
        try:
            reference = backend_for(notice.channel).send(
                to=notice.recipient,
                subject=notice.subject,
                body=notice.body,
                idempotency_key=notice.idempotency_key,
                opt_out_url=opt_out,
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
            # slower than the claim timeout) keeps the relay's outcome.
            ours = Notice.objects.filter(status=Notice.Status.SENDING, claimed_at=now)
            sent = [n for n, _r, e in outcomes if not e]
            ours.filter(pk__in=[n.pk for n in sent]).update(status=Notice.Status.SENT, sent_at=done)
            _set_per_row("provider_reference", {n.pk: n.provider_reference for n in sent})
            for notice, _reference, error in outcomes:
                if error:
                    ours.filter(pk=notice.pk).update(status=Notice.Status.FAILED, last_error=error)
            audit_append_many(events, at=done)
    return due
