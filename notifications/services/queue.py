"""Queuing notices: a row first, decided by the compliance gate, sent by a worker after commit.

One write path: ``notice_queue_many`` stores, decides, renders and audits every notice, for the daily
cycle and for one click alike; ``notice_queue`` (an agent's click, the API) locks the case and calls it
with one item. Notices never call back up into the domain: the caller hands over the locked case and a
``LinkMaker`` (in practice ``debt_collections.services.links.links_for_notices``) that gives each notice
the customer's negotiation link.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol, cast

from django.db import transaction
from django.utils import timezone

from accounts.models import ContactPoint, Customer
from debt_collections.errors import ComplianceBlocked, InvalidInput
from debt_collections.kernel.audit import Actor, PendingEvent, audit_append_many, to_jsonable
from debt_collections.kernel.bulk import bulk_insert, new_row
from debt_collections.kernel.gate import GateRequest, gate_decide_many
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.kernel.scope import resolve_contact_point
from debt_collections.models import CollectionCase
from debt_collections.policies import TIME_RULES, Decision
from notifications.models import CHANNEL_FOR_KIND, Notice, NoticeTemplate
from notifications.rendering import build_context, local_date, render
from notifications.selectors import latest_template
from notifications.services.dispatch import enqueue_send_many
from notifications.template_library import SERVICE_KEYS

logger = logging.getLogger(__name__)

# Keys only the service that owes them may queue: the service notices (acknowledgements, confirmations,
# which also skip the frequency caps) and the keys that need context only their service has (a plan's
# schedule, the signed link of an offer, a credit-report record). Sent by hand they would go out
# half-filled or around the caps, so ``notice_queue_many`` refuses them unless ``by_service`` is set.
SERVICE_ONLY_KEYS: frozenset[str] = frozenset(
    {*SERVICE_KEYS, "plan.offer", "plan.broken", "credit_report.pre_notice"}
)


class LinkMaker(Protocol):
    """Gives the negotiation-link URL each (case, contact point) notice should carry, in the caller's
    transaction (``links_for_notices``); pairs it cannot link (a wrong party) are left out. The audit
    events of the links it creates go to ``events`` when given (appended by the caller)."""

    def __call__(
        self,
        *,
        pairs: list[tuple[CollectionCase, ContactPoint]],
        actor: Actor,
        now: datetime,
        events: list[PendingEvent] | None = None,
    ) -> dict[tuple[int, int], str]: ...


def idempotency_key(
    *,
    case_id: int,
    template_key: str,
    contact_point_id: int,
    due_date: date,
    reference: str = "",
    attempt: int = 1,
) -> str:
    """(case, template, contact point, due date), plus what the notice is about when one case can have
    several of the same kind on one day (two plans, two disputes): ``reference`` such as ``plan:12``;
    a retry after a block adds its attempt number (``…#2``)."""
    key = f"{case_id}:{template_key}:{contact_point_id}:{due_date.isoformat()}"
    key = f"{key}:{reference}" if reference else key
    return f"{key}#{attempt}" if attempt > 1 else key


def first_key(key: str) -> str:
    """The key of the first attempt of the notice whose key is ``key``. Pure."""
    return key.split("#", 1)[0]


def only_time_rules(decision: Decision) -> bool:
    """True when only time-based rules (contact hours, caps) block, so the notice can wait for
    ``next_allowed_at`` instead of being blocked."""
    return (
        bool(decision.blocked_by)
        and all(rule in TIME_RULES for rule in decision.blocked_by)
        and decision.next_allowed_at is not None
    )


@dataclass(frozen=True)
class NoticeRequest:
    """One notice for ``notice_queue_many``.

    ``case`` is locked by the caller with ``customer`` and ``account`` loaded; ``due_date`` defaults to
    the customer's local date; ``extra_context`` is what the template needs beyond the case (a plan's
    schedule, a given ``portal_url``); ``by_service`` says the notice is queued by the service that owes
    it (required for ``SERVICE_ONLY_KEYS``).
    """

    case: CollectionCase
    template_key: str
    contact_point: ContactPoint
    due_date: date | None = None
    purpose: str = ""
    reference: str = ""
    extra_context: Mapping[str, Any] = field(default_factory=dict)
    by_service: bool = False


def blocked_error(notice: Notice) -> ComplianceBlocked:
    """The ``ComplianceBlocked`` that reports the stored decision of a blocked notice."""
    decision = notice.decision
    reasons = {str(k): str(v) for k, v in (decision.get("reasons") or {}).items()}
    next_at = decision.get("next_allowed_at")
    return ComplianceBlocked(
        "The compliance gate blocked this notice: " + "; ".join(reasons.values()),
        rule_ids=[str(r) for r in decision.get("blocked_by") or []],
        next_allowed_at=datetime.fromisoformat(next_at) if isinstance(next_at, str) else next_at,
        reasons=reasons,
    )


def notice_queue(
    *,
    case_id: int,
    template_key: str,
    contact_point_id: int,
    actor: Actor,
    links: LinkMaker | None,
    now: datetime | None = None,
    due_date: date | None = None,
    extra_context: dict[str, Any] | None = None,
    defer_when_time_blocked: bool = False,
    raise_when_blocked: bool = True,
    reference: str = "",
    retry_blocked: bool = True,
) -> Notice:
    """Queue one notice (an agent's click, the API): ``notice_queue_many`` with one item.

    Locks the case, then the same path as the cycle. Asking again for a notice that was blocked is a new
    attempt (``retry_blocked``, see ``notice_queue_many``). When the notice ends up blocked,
    ``ComplianceBlocked`` is raised after commit (the blocked row and its audit event stay) unless
    ``raise_when_blocked`` is False. Raises ``NotFound`` for a contact point that is not the case's
    customer's own, ``InvalidInput`` for an unknown case or template or a service-only key,
    ``NotPermitted`` outside the actor's scope or role (``notice.queue``).
    """
    now = now or timezone.now()
    with transaction.atomic():
        case = lock_case(case_id)
        # Anyone else's point is NotFound and nothing is stored (a blocked row would show the foreign value
        # and carry working links).
        point = resolve_contact_point(case, contact_point_id)
        [notice] = notice_queue_many(
            requests=[
                NoticeRequest(
                    case=case,
                    template_key=template_key,
                    contact_point=point,
                    due_date=due_date,
                    reference=reference,
                    extra_context=extra_context or {},
                )
            ],
            actor=actor,
            now=now,
            links=links,
            defer_when_time_blocked=defer_when_time_blocked,
            retry_blocked=retry_blocked,
        )
    if notice.status == Notice.Status.BLOCKED and raise_when_blocked:
        raise blocked_error(notice)
    return notice


def _latest_attempts(blocked: list[Notice]) -> dict[str, Notice]:
    """The newest attempt of each of these (blocked, first-attempt) notices, by first key: one query."""
    latest = {n.idempotency_key: n for n in blocked}
    if not blocked:
        return latest
    retries = Notice.objects.filter(
        case_id__in={n.case_id for n in blocked},
        contact_point_id__in={n.contact_point_id for n in blocked},
        attempt__gt=1,
    )
    for notice in retries:
        key = first_key(notice.idempotency_key)
        if key in latest and notice.attempt > latest[key].attempt:
            latest[key] = notice
    return latest


def notice_queue_many(
    *,
    requests: list[NoticeRequest],
    actor: Actor,
    now: datetime,
    links: LinkMaker | None,
    defer_when_time_blocked: bool = True,
    retry_blocked: bool = False,
) -> list[Notice]:
    """Queue many notices in one transaction with a fixed number of queries: the one write path.

    For each request, in order: the actor's scope on the case; the key (case, template, point, due date,
    reference): an existing row is returned untouched, unless it is blocked and ``retry_blocked`` is set
    (an agent asking again), which makes a new attempt with its own row and decision, ``retry_of`` the
    last one. Then the template (the approved version in the customer's language), the gate, the link
    (``links``), the text, the row (``pending``, deferred to ``next_allowed_at`` when only time rules
    block and ``defer_when_time_blocked``, else ``blocked``), an audit event each, and the allowed ones
    handed to a worker after commit. Never raises for a block: the caller reads each row's status.

    Raises ``InvalidInput`` for a missing template or a service-only key without ``by_service``,
    ``NotPermitted`` outside the actor's scope. Returns one row per request, in order.
    """
    if not requests:
        return []
    for r in requests:
        if r.template_key in SERVICE_ONLY_KEYS and not r.by_service:
            raise InvalidInput(
                f"'{r.template_key}' is sent by the service that owes it (with the context only it has), "
                "never by hand.",
                code="service_only_template",
            )
    with transaction.atomic():
        checked: set[tuple[int, bool]] = set()
        for r in requests:
            if (r.case.pk, r.by_service) not in checked:
                # A service notice follows the actor's own permitted change (a dispute decided by a
                # compliance officer), not a notice they chose to send: no ``notice.queue`` role check.
                # A lapsed agency's notice is the gate's AGENCY_LICENCE decision, on the record (issue 12).
                check_actor(
                    actor,
                    r.case,
                    None,
                    now,
                    action=None if r.by_service else "notice.queue",
                    licence_by_gate=True,
                )
                checked.add((r.case.pk, r.by_service))
        # One gate decision at a time per person, so two notices cannot both slip under a cap.
        list(
            Customer.objects.select_for_update()
            .filter(pk__any={r.case.customer_id for r in requests})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        keyed: list[tuple[str, NoticeRequest]] = []
        for r in requests:
            due = r.due_date or local_date(now, r.case.customer)
            key = idempotency_key(
                case_id=r.case.pk,
                template_key=r.template_key,
                contact_point_id=r.contact_point.pk,
                due_date=due,
                reference=r.reference,
            )
            keyed.append((key, r))
        existing = {
            n.idempotency_key: n for n in Notice.objects.filter(idempotency_key__any=[k for k, _ in keyed])
        }
        if retry_blocked:
            # Only the newest attempt counts: a retry that went through is returned, one still blocked
            # is tried again.
            existing.update(
                _latest_attempts([n for n in existing.values() if n.status == Notice.Status.BLOCKED])
            )
        todo: list[tuple[str, NoticeRequest, Notice | None]] = []
        seen: set[str] = set()
        for key, r in keyed:
            earlier = existing.get(key)
            retry = retry_blocked and earlier is not None and earlier.status == Notice.Status.BLOCKED
            if (earlier is None or retry) and key not in seen:
                todo.append((key, r, earlier))
                seen.add(key)
        created = _create(todo, actor=actor, now=now, links=links, defer=defer_when_time_blocked)
        by_key = {**existing, **{first_key(n.idempotency_key): n for n in created}}
        to_send = [n.pk for n in created if n.status == Notice.Status.PENDING and n.not_before is None]
        if to_send:
            transaction.on_commit(lambda: enqueue_send_many(to_send))
    return [by_key[k] for k, _ in keyed]


def _create(
    todo: list[tuple[str, NoticeRequest, Notice | None]],
    *,
    actor: Actor,
    now: datetime,
    links: LinkMaker | None,
    defer: bool,
) -> list[Notice]:
    """Decide, render, store and audit the new rows (``earlier`` is the blocked attempt a row retries)."""
    if not todo:
        return []
    templates: dict[tuple[str, str, str], NoticeTemplate | None] = {}
    gate_requests = []
    for _key, r, _earlier in todo:
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
    # A notice that brings its own link (the admin's "send a new link") needs no other.
    wanted = [(r.case, r.contact_point) for _k, r, _e in todo if "portal_url" not in r.extra_context]
    # The links' audit events are appended with the notices' at the end: the chains' heads are locked
    # from the first append to the commit, and two cycle chunks on two workers would otherwise take turns
    # for the whole rendering in between.
    link_events: list[PendingEvent] = []
    urls = (
        links(pairs=wanted, actor=actor, now=now, events=link_events) if links is not None and wanted else {}
    )
    rows: list[Notice] = []
    for (key, r, earlier), gate, decision in zip(todo, gate_requests, decisions, strict=True):
        template = cast(NoticeTemplate, gate.template)  # None was refused above
        url = urls.get((r.case.pk, r.contact_point.pk))
        extra = {**({"portal_url": url} if url else {}), **r.extra_context}
        subject, body, digest = render(
            template,
            build_context(template=template, case=r.case, point=r.contact_point, now=now, extra=extra),
        )
        attempt = earlier.attempt + 1 if earlier is not None else 1
        deferred = not decision.allowed and defer and only_time_rules(decision)
        notice = new_row(
            Notice,
            case=r.case,
            template=template,
            contact_point=r.contact_point,
            channel=gate.channel,
            recipient=r.contact_point.value,
            subject=subject,
            body=body,
            body_hash=digest,
            due_date=r.due_date or local_date(now, r.case.customer),
            idempotency_key=f"{key}#{attempt}" if attempt > 1 else key,
            attempt=attempt,
            retry_of=earlier,
            not_before=decision.next_allowed_at if deferred else None,
            decision=decision.to_dict(),
            queued_at=now,
            queued_by=actor.label,
            purpose=r.purpose,
            context=to_jsonable(extra),
        )
        if not decision.allowed and not deferred:
            notice.block(decision=decision.to_dict())
        rows.append(notice)
    created = bulk_insert(Notice, rows)
    audit_append_many(
        link_events
        + [
            PendingEvent(
                action="notice.queued" if notice.status == Notice.Status.PENDING else "notice.blocked",
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
                    **(
                        {"attempt": notice.attempt, "retry_of": notice.retry_of_id}
                        if notice.attempt > 1
                        else {}
                    ),
                    **notice.decision,
                },
            )
            for notice in created
        ],
        at=now,
    )
    return created


def notice_block_pending_to(
    *, contact_point_ids: list[int], actor: Actor, now: datetime, rule: str, channel: str | None = None
) -> int:
    """Block every pending notice to these contact points (wrong party, opt-out). Caller's transaction.

    Returns how many were blocked; each is audited ``notice.blocked``.
    """
    qs = Notice.objects.select_for_update().filter(
        contact_point_id__in=contact_point_ids, status=Notice.Status.PENDING
    )
    if channel is not None:
        qs = qs.filter(channel=channel)
    notices = list(qs.order_by("pk"))
    for notice in notices:
        notice.block(
            decision={
                "allowed": False,
                "blocked_by": [rule],
                "next_allowed_at": None,
                "policy_version": notice.decision.get("policy_version", ""),
                "reasons": {rule: "Blocked before sending: the contact point was reported or opted out."},
            }
        )
        Notice.objects.filter(pk=notice.pk).update(
            status=notice.status, decision=notice.decision, not_before=None
        )
    audit_append_many(
        [
            PendingEvent(
                action="notice.blocked",
                case_id=notice.case_id,
                actor=actor,
                payload={"notice": notice.pk, "blocked_by": [rule]},
            )
            for notice in notices
        ],
        at=now,
    )
    return len(notices)
