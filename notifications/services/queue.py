"""Queuing notices: a row first, decided by the compliance gate, sent by a worker after commit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from accounts.models import ContactPoint, Customer
from debt_collections.errors import ComplianceBlocked, InvalidInput
from debt_collections.kernel.audit import Actor, PendingEvent, audit_append, audit_append_many, to_jsonable
from debt_collections.kernel.bulk import bulk_insert
from debt_collections.kernel.gate import GateRequest, gate_decide, gate_decide_many
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.kernel.scope import resolve_contact_point
from debt_collections.models import CollectionCase
from debt_collections.policies import TIME_RULES, Decision
from notifications.models import CHANNEL_FOR_KIND, Notice, NoticeTemplate
from notifications.rendering import build_context, local_date, render
from notifications.selectors import latest_template
from notifications.services.dispatch import enqueue_send_many

logger = logging.getLogger(__name__)


def idempotency_key(
    *, case_id: int, template_key: str, contact_point_id: int, due_date: date, reference: str = ""
) -> str:
    """(case, template, contact point, due date), plus what the notice is about when one case can have
    several of the same kind on one day (two plans, two disputes): ``reference`` such as ``plan:12``."""
    key = f"{case_id}:{template_key}:{contact_point_id}:{due_date.isoformat()}"
    return f"{key}:{reference}" if reference else key


def only_time_rules(decision: Decision) -> bool:
    return (
        bool(decision.blocked_by)
        and all(rule in TIME_RULES for rule in decision.blocked_by)
        and decision.next_allowed_at is not None
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
    service_notice: bool = False,
) -> Notice:
    """Queue a standardized notice after the gate allowed it; send after commit.

    Idempotent: the key is (case, template key, contact point, due date); queuing again returns the
    existing row and writes nothing. When the gate blocks, a ``blocked`` row records the decision and
    ``ComplianceBlocked`` is raised after commit (unless ``raise_when_blocked`` is False). With
    ``defer_when_time_blocked`` (the daily cycle), a notice blocked only by time-based rules (contact
    hours, caps) is queued for ``next_allowed_at`` instead. ``service_notice``: an acknowledgement or
    confirmation that follows the actor's own permitted change (a dispute decided by a compliance officer),
    not a notice they chose to send, so ``notice.queue``'s role check does not apply.

    The contact point must be the case's customer's own: anyone else's is ``NotFound`` and nothing is
    stored (a blocked row would show the foreign value and carry working links).
    """
    now = now or timezone.now()
    with transaction.atomic():
        case = lock_case(case_id)
        # A lapsed agency's notice is the gate's AGENCY_LICENCE decision, on the record (issue 12).
        check_actor(
            actor, case, None, now, action=None if service_notice else "notice.queue", licence_by_gate=True
        )
        point = resolve_contact_point(case, contact_point_id)
        channel = CHANNEL_FOR_KIND[point.kind]
        due = due_date or local_date(now, case.customer)
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
        deferred = not decision.allowed and defer_when_time_blocked and only_time_rules(decision)
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
            transaction.on_commit(lambda: enqueue_send_many([notice_id]))
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
            deferred = not decision.allowed and defer_when_time_blocked and only_time_rules(decision)
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
            transaction.on_commit(lambda: enqueue_send_many(to_send))
    by_key = {**existing, **{n.idempotency_key: n for n in created}}
    return [by_key[k] for k, _ in keyed]


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
