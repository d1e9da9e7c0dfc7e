"""Writes for templates and the outbox.

Templates: ``draft → approved → retired`` with maker-checker (a compliance officer who is not the
author approves). Notices: a row first (``notice_queue``), sent by a Celery task after commit
(``notice_send``), re-checked by the gate at send time, and picked up again by ``notice_relay_due`` if
the broker or the worker was gone. Sending is three steps so that no I/O happens inside a transaction:
claim the row (``pending → sending``), talk to the provider, record the outcome.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from accounts.models import ContactPoint, Customer
from debt_collections.errors import ComplianceBlocked, InvalidInput, NotPermitted
from debt_collections.kernel.audit import Actor, PendingEvent, audit_append, audit_append_many, to_jsonable
from debt_collections.kernel.bulk import bulk_insert
from debt_collections.kernel.gate import GateRequest, gate_decide, gate_decide_many
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.models import CollectionCase
from debt_collections.policies import TIME_RULES, Decision
from notifications.channels import DeliveryError, backend_for
from notifications.models import CHANNEL_FOR_KIND, Notice, NoticeTemplate
from notifications.rendering import build_context, local_date, opt_out_url, render
from notifications.selectors import latest_template

logger = logging.getLogger(__name__)


# --- templates ---------------------------------------------------------------------------------


def template_create_draft(
    *,
    key: str,
    channel: str,
    locale: str,
    body: str,
    actor: Actor,
    subject: str = "",
    limited_content: bool = False,
    is_service: bool = False,
    now: datetime | None = None,
) -> NoticeTemplate:
    """A new draft version (the next number for this key/channel/locale)."""
    now = now or timezone.now()
    if not body.strip():
        raise InvalidInput("A template needs a body.")
    with transaction.atomic():
        latest = NoticeTemplate.objects.filter(key=key, channel=channel, locale=locale).aggregate(
            v=Max("version")
        )
        template = NoticeTemplate.objects.create(
            key=key,
            channel=channel,
            locale=locale,
            version=(latest["v"] or 0) + 1,
            subject=subject,
            body=body,
            limited_content=limited_content,
            is_service=is_service,
            author=actor.user,
        )
        audit_append(
            actor=actor,
            action="template.draft",
            at=now,
            payload={
                "template": template.pk,
                "key": key,
                "channel": channel,
                "locale": locale,
                "version": template.version,
            },
        )
    return template


def _require_compliance(actor: Actor) -> None:
    user = actor.user
    if user is None or not (user.is_superuser or user.is_compliance):
        raise NotPermitted("Only a compliance officer can decide on notice templates.")


def template_approve(
    *, template_id: int, actor: Actor, note: str = "", now: datetime | None = None
) -> NoticeTemplate:
    """Approve a draft; the previously approved version of the same key/channel/locale is retired.

    Raises ``NotPermitted`` unless the actor is a compliance officer other than the author.
    """
    now = now or timezone.now()
    _require_compliance(actor)
    with transaction.atomic():
        template = NoticeTemplate.objects.select_for_update().get(pk=template_id)
        if template.author_id is not None and actor.user is not None and template.author_id == actor.user.pk:
            raise NotPermitted(
                "The author of a template cannot approve it; another compliance officer must.",
                code="four_eyes",
            )
        if template.status != NoticeTemplate.Status.DRAFT:
            raise InvalidInput(
                f"Only drafts can be approved; this version is {template.status}.", code="not_draft"
            )
        previous = (
            NoticeTemplate.objects.select_for_update()
            .filter(
                key=template.key,
                channel=template.channel,
                locale=template.locale,
                status=NoticeTemplate.Status.APPROVED,
            )
            .first()
        )
        if previous is not None:
            previous.retire(at=now)
            previous.save()
        template.approve(by=actor.user, at=now, note=note)
        template.save()
        audit_append(
            actor=actor,
            action="template.approve",
            at=now,
            payload={
                "template": template.pk,
                "key": template.key,
                "version": template.version,
                "retired": previous.pk if previous else None,
                "note": note,
            },
        )
    return template


def template_reject(
    *, template_id: int, actor: Actor, note: str, now: datetime | None = None
) -> NoticeTemplate:
    now = now or timezone.now()
    _require_compliance(actor)
    if not note.strip():
        raise InvalidInput("Say why the draft is rejected.")
    with transaction.atomic():
        template = NoticeTemplate.objects.select_for_update().get(pk=template_id)
        if template.status != NoticeTemplate.Status.DRAFT:
            raise InvalidInput(f"Only drafts can be rejected; this version is {template.status}.")
        template.reject(note=note)
        template.save()
        audit_append(
            actor=actor,
            action="template.reject",
            at=now,
            payload={"template": template.pk, "key": template.key, "version": template.version, "note": note},
        )
    return template


# --- the outbox --------------------------------------------------------------------------------


def idempotency_key(
    *, case_id: int, template_key: str, contact_point_id: int, due_date: date, reference: str = ""
) -> str:
    """(case, template, contact point, due date), plus what the notice is about when one case can have
    several of the same kind on one day (two plans, two disputes): ``reference`` such as ``plan:12``."""
    key = f"{case_id}:{template_key}:{contact_point_id}:{due_date.isoformat()}"
    return f"{key}:{reference}" if reference else key


def _only_time_rules(decision: Decision) -> bool:
    return (
        bool(decision.blocked_by)
        and all(rule in TIME_RULES for rule in decision.blocked_by)
        and decision.next_allowed_at is not None
    )


def _enqueue(notice_id: int) -> None:
    """Hand the notice to a worker. A broker outage is logged, not raised: the row stays pending and the
    relay sends it later."""
    from notifications.tasks import send_notice

    try:
        send_notice.delay(notice_id)
    except Exception:  # broker down or unreachable: the outbox row is the source of truth
        logger.warning("could not enqueue notice %s; the relay will send it", notice_id, exc_info=True)


SEND_BATCH = 100


def _enqueue_many(notice_ids: list[int]) -> None:
    """Hand many notices to the workers, ``SEND_BATCH`` per broker message: thousands of publishes would
    cost the cycle more than the work itself, and batches still spread over every worker."""
    from notifications.tasks import send_notice_batch

    for start in range(0, len(notice_ids), SEND_BATCH):
        batch = notice_ids[start : start + SEND_BATCH]
        try:
            send_notice_batch.delay(batch)
        except Exception:  # broker down: the rows stay pending and the relay sends them later
            logger.warning(
                "could not enqueue %d notices; the relay will send them", len(batch), exc_info=True
            )


def _portal_urls(
    pairs: list[tuple[CollectionCase, ContactPoint]], *, actor: Actor, now: datetime
) -> dict[tuple[int, int], dict[str, str]]:
    """``{"portal_url": <the customer's own negotiation link>}`` per (case, point): every notice invites
    the customer to the page where they verify first, so even a limited-content text may carry it."""
    from debt_collections.services.links import links_for_notices

    urls = links_for_notices(pairs=pairs, actor=actor, now=now)
    return {key: {"portal_url": url} for key, url in urls.items()}


def notice_queue(
    *,
    case_id: int,
    template_key: str,
    contact_point_id: int,
    actor: Actor,
    now: datetime | None = None,
    due_date: date | None = None,
    extra_context: dict[str, Any] | None = None,
    defer_when_time_blocked: bool = False,
    raise_when_blocked: bool = True,
    reference: str = "",
) -> Notice:
    """Queue a standardized notice after the gate allowed it; send after commit.

    Idempotent: the key is (case, template key, contact point, due date); queuing again returns the
    existing row and writes nothing. When the gate blocks, a ``blocked`` row records the decision and
    ``ComplianceBlocked`` is raised after commit (unless ``raise_when_blocked`` is False). With
    ``defer_when_time_blocked`` (the daily cycle), a notice blocked only by time-based rules (contact
    hours, caps) is queued for ``next_allowed_at`` instead.
    """
    now = now or timezone.now()
    with transaction.atomic():
        case = lock_case(case_id)
        check_actor(actor, case, None, now)
        try:
            point = ContactPoint.objects.get(pk=contact_point_id)
        except ContactPoint.DoesNotExist as exc:
            raise InvalidInput(f"Contact point {contact_point_id} does not exist.", code="not_found") from exc
        channel = CHANNEL_FOR_KIND[point.kind]
        due = due_date or local_date(now, case.customer.time_zone)
        key = idempotency_key(
            case_id=case.pk,
            template_key=template_key,
            contact_point_id=point.pk,
            due_date=due,
            reference=reference,
        )
        existing = Notice.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
        template = latest_template(key=template_key, channel=channel, locale=case.customer.locale)
        if template is None:
            raise InvalidInput(
                f"There is no '{template_key}' template for {channel} in {case.customer.locale}.",
                code="no_template",
            )
        # One gate decision at a time per person, so two notices cannot both slip under a cap.
        Customer.objects.select_for_update().filter(pk=case.customer_id).first()
        decision = gate_decide(
            case=case, contact_point=point, channel=channel, template=template, actor_user=actor.user, now=now
        )
        deferred = not decision.allowed and defer_when_time_blocked and _only_time_rules(decision)
        status = Notice.Status.PENDING if decision.allowed or deferred else Notice.Status.BLOCKED
        extra_context = {
            **_portal_urls([(case, point)], actor=actor, now=now).get((case.pk, point.pk), {}),
            **(extra_context or {}),
        }
        subject, body, digest = render(
            template, build_context(template=template, case=case, point=point, now=now, extra=extra_context)
        )
        notice = Notice.objects.create(
            case=case,
            template=template,
            contact_point=point,
            channel=channel,
            recipient=point.value,
            subject=subject,
            body=body,
            body_hash=digest,
            due_date=due,
            idempotency_key=key,
            status=status,
            not_before=decision.next_allowed_at if deferred else None,
            decision=decision.to_dict(),
            queued_at=now,
            queued_by=actor.label,
            context=to_jsonable(extra_context or {}),
        )
        action = {Notice.Status.PENDING: "notice.queued", Notice.Status.BLOCKED: "notice.blocked"}[status]
        audit_append(
            actor=actor,
            action=action,
            at=now,
            case=case,
            payload={
                "notice": notice.pk,
                "template": template_key,
                "version": template.version,
                "channel": channel,
                "contact_point": point.pk,
                "body_hash": digest,
                "deferred_until": notice.not_before,
                **decision.to_dict(),
            },
        )
        if status == Notice.Status.PENDING and not deferred:
            notice_id = notice.pk
            transaction.on_commit(lambda: _enqueue(notice_id))
    if status == Notice.Status.BLOCKED and raise_when_blocked:
        raise ComplianceBlocked(
            "The compliance gate blocked this notice: " + "; ".join(decision.reasons.values()),
            rule_ids=[str(r) for r in decision.blocked_by],
            next_allowed_at=decision.next_allowed_at,
            reasons={str(k): v for k, v in decision.reasons.items()},
        )
    return notice


@dataclass(frozen=True)
class NoticeRequest:
    """One notice for ``notice_queue_many``."""

    case: CollectionCase
    template_key: str
    contact_point: ContactPoint
    due_date: date
    purpose: str = ""


def notice_queue_many(
    *, requests: list[NoticeRequest], actor: Actor, now: datetime, defer_when_time_blocked: bool = True
) -> list[Notice]:
    """Queue many notices in one transaction with a fixed number of queries (the daily cycle).

    The same rules as ``notice_queue``: idempotent by key (existing rows are returned untouched), the
    gate decides each one, blocked ones are stored as ``blocked`` and audited, time-blocked ones are
    deferred to ``next_allowed_at`` when asked, allowed ones are sent after commit. Never raises for a
    block: the caller reads each row's status. Cases must come with ``customer`` and ``account`` loaded.
    """
    if not requests:
        return []
    with transaction.atomic():
        # One gate decision at a time per person (see notice_queue), here for the whole batch at once.
        list(
            Customer.objects.select_for_update()
            .filter(pk__in={r.case.customer_id for r in requests})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        keyed = []
        for r in requests:
            key = idempotency_key(
                case_id=r.case.pk,
                template_key=r.template_key,
                contact_point_id=r.contact_point.pk,
                due_date=r.due_date,
            )
            keyed.append((key, r))
        existing = {
            n.idempotency_key: n for n in Notice.objects.filter(idempotency_key__in=[k for k, _ in keyed])
        }
        todo = [(k, r) for k, r in keyed if k not in existing]
        templates: dict[tuple[str, str, str], NoticeTemplate | None] = {}
        gate_requests = []
        for _key, r in todo:
            channel = CHANNEL_FOR_KIND[r.contact_point.kind]
            cache_key = (r.template_key, channel, r.case.customer.locale)
            if cache_key not in templates:
                templates[cache_key] = latest_template(
                    key=r.template_key, channel=channel, locale=r.case.customer.locale
                )
            if templates[cache_key] is None:
                raise InvalidInput(
                    f"There is no '{r.template_key}' template for {channel} in {r.case.customer.locale}.",
                    code="no_template",
                )
            gate_requests.append(
                GateRequest(
                    case=r.case, contact_point=r.contact_point, channel=channel, template=templates[cache_key]
                )
            )
        decisions = gate_decide_many(requests=gate_requests, actor_user=actor.user, now=now)
        portal = _portal_urls([(r.case, r.contact_point) for _k, r in todo], actor=actor, now=now)
        rows: list[Notice] = []
        events: list[PendingEvent] = []
        for (key, r), gate, decision in zip(todo, gate_requests, decisions, strict=True):
            template = cast(NoticeTemplate, gate.template)  # None was refused above
            deferred = not decision.allowed and defer_when_time_blocked and _only_time_rules(decision)
            status = Notice.Status.PENDING if decision.allowed or deferred else Notice.Status.BLOCKED
            extra = portal.get((r.case.pk, r.contact_point.pk), {})
            subject, body, digest = render(
                template,
                build_context(template=template, case=r.case, point=r.contact_point, now=now, extra=extra),
            )
            rows.append(
                Notice(
                    case=r.case,
                    template=template,
                    contact_point=r.contact_point,
                    channel=gate.channel,
                    recipient=r.contact_point.value,
                    subject=subject,
                    body=body,
                    body_hash=digest,
                    due_date=r.due_date,
                    idempotency_key=key,
                    status=status,
                    not_before=decision.next_allowed_at if deferred else None,
                    decision=decision.to_dict(),
                    queued_at=now,
                    queued_by=actor.label,
                    purpose=r.purpose,
                    context=extra,
                )
            )
        created = bulk_insert(Notice, rows)
        for notice in created:
            action = "notice.queued" if notice.status == Notice.Status.PENDING else "notice.blocked"
            events.append(
                PendingEvent(
                    action=action,
                    case_id=notice.case_id,
                    actor=actor,
                    payload={
                        "notice": notice.pk,
                        "template": notice.template.key,
                        "version": notice.template.version,
                        "channel": notice.channel,
                        "contact_point": notice.contact_point_id,
                        "body_hash": notice.body_hash,
                        "deferred_until": notice.not_before,
                        "purpose": notice.purpose,
                        **notice.decision,
                    },
                )
            )
        audit_append_many(events, at=now)
        to_send = [n.pk for n in created if n.status == Notice.Status.PENDING and n.not_before is None]
        if to_send:
            transaction.on_commit(lambda: _enqueue_many(to_send))
    by_key = {**existing, **{n.idempotency_key: n for n in created}}
    return [by_key[k] for k, _ in keyed]


def notice_send(*, notice_id: int, now: datetime | None = None) -> Notice:
    """Send one notice if it is still due (see ``notice_send_many``). Returns the row as it ends up."""
    sent = notice_send_many(notice_ids=[notice_id], now=now)
    return sent[0] if sent else Notice.objects.get(pk=notice_id)


def _claimable(notice: Notice, now: datetime) -> bool:
    claim_expired = (
        notice.status == Notice.Status.SENDING
        and notice.claimed_at is not None
        and notice.claimed_at < now - timedelta(seconds=settings.NOTICE_CLAIM_TIMEOUT_SECONDS)
    )
    if notice.status != Notice.Status.PENDING and not claim_expired:
        return False
    return notice.not_before is None or notice.not_before <= now


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
                # Re-rendered at claim time so the text sent (and stored) reflects today's balances.
                subject, body, digest = render(
                    notice.template,
                    build_context(
                        template=notice.template,
                        case=notice.case,
                        point=notice.contact_point,
                        now=now,
                        extra=notice.context,
                    ),
                )
                if digest != notice.body_hash or notice.decision != previous_decision:
                    notice.subject, notice.body, notice.body_hash = subject, body, digest
                    rewritten.append(notice)
                notice.status = Notice.Status.SENDING
                notice.claimed_at = now
                notice.attempts += 1
                claimed.append(notice)
            elif _only_time_rules(decision):
                notice.status = Notice.Status.PENDING
                notice.not_before = decision.next_allowed_at
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
                notice.status = Notice.Status.BLOCKED
                Notice.objects.filter(pk=notice.pk).update(decision=notice.decision, status=notice.status)
                events.append(
                    PendingEvent(
                        action="notice.blocked",
                        case_id=notice.case_id,
                        actor=system,
                        payload={"notice": notice.pk, "at_send_time": True, **notice.decision},
                    )
                )
        _rewrite_content(rewritten)
        # The claim itself is one statement for the whole batch (most rows change nothing else).
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
                    notice.status = Notice.Status.FAILED
                    notice.last_error = error
                    events.append(
                        PendingEvent(
                            action="notice.failed",
                            case_id=notice.case_id,
                            actor=system,
                            payload={"notice": notice.pk, "error": error, "attempts": notice.attempts},
                        )
                    )
                else:
                    notice.status = Notice.Status.SENT
                    notice.provider_reference = reference
                    notice.sent_at = done
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
            sent = [n for n, _r, e in outcomes if not e]
            Notice.objects.filter(pk__in=[n.pk for n in sent]).update(status=Notice.Status.SENT, sent_at=done)
            _set_per_row("provider_reference", {n.pk: n.provider_reference for n in sent})
            for notice, _reference, error in outcomes:
                if error:
                    Notice.objects.filter(pk=notice.pk).update(status=Notice.Status.FAILED, last_error=error)
            audit_append_many(events, at=done)
    return due


def notice_relay_due(*, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Ids of notices a worker should (re)try now: pending ones past their ``not_before`` that waited
    longer than the relay delay (their enqueue was lost), and claims whose worker died."""
    now = now or timezone.now()
    stale_pending = (
        Q(status=Notice.Status.PENDING)
        & (Q(not_before__isnull=True) | Q(not_before__lte=now))
        & (
            Q(not_before__isnull=False)
            | Q(queued_at__lte=now - timedelta(seconds=settings.NOTICE_RELAY_AFTER_SECONDS))
        )
    )
    lost_claim = Q(
        status=Notice.Status.SENDING,
        claimed_at__lt=now - timedelta(seconds=settings.NOTICE_CLAIM_TIMEOUT_SECONDS),
    )
    return list(
        Notice.objects.filter(stale_pending | lost_claim).order_by("pk").values_list("pk", flat=True)[:limit]
    )


def notice_block_pending_to(
    *, contact_point_ids: list[int], actor: Actor, now: datetime, rule: str, channel: str | None = None
) -> int:
    """Block every pending notice to these contact points (wrong party, opt-out). Caller's transaction."""
    qs = Notice.objects.select_for_update().filter(
        contact_point_id__in=contact_point_ids, status=Notice.Status.PENDING
    )
    if channel is not None:
        qs = qs.filter(channel=channel)
    count = 0
    for notice in qs.select_related("case"):
        notice.status = Notice.Status.BLOCKED
        notice.decision = {
            "allowed": False,
            "blocked_by": [rule],
            "next_allowed_at": None,
            "policy_version": notice.decision.get("policy_version", ""),
            "reasons": {rule: "Blocked before sending: the contact point was reported or opted out."},
        }
        notice.save(update_fields=["status", "decision"])
        audit_append(
            actor=actor,
            action="notice.blocked",
            at=now,
            case=notice.case,
            payload={"notice": notice.pk, "blocked_by": [rule]},
        )
        count += 1
    return count


def templates_install_library(*, now: datetime | None = None) -> int:
    """Make sure every text of ``template_library`` has an approved version (data migration 0002 does
    this on a new database; tests that flush tables call it again). A text with only drafts or rejected
    versions gets the library text as its next version, approved. Returns how many were created."""
    from notifications.template_library import LIBRARY

    created = 0
    with transaction.atomic():
        for text in LIBRARY:
            versions = NoticeTemplate.objects.filter(key=text.key, channel=text.channel, locale=text.locale)
            if versions.filter(status=NoticeTemplate.Status.APPROVED).exists():
                continue
            latest = versions.aggregate(v=Max("version"))["v"] or 0
            template = NoticeTemplate(
                key=text.key,
                channel=text.channel,
                locale=text.locale,
                version=latest + 1,
                subject=text.subject,
                body=text.body,
                limited_content=text.limited_content,
                is_service=text.is_service,
            )
            template.approve(
                by=None,
                at=now or timezone.now(),
                note="Shipped with the release; approved in its compliance review.",
            )
            template.save()
            created += 1
    return created
