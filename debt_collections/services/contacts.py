"""Contact attempts, wrong-party reports and channel opt-outs.

Every outbound attempt goes through the compliance gate first; the attempt row stores the decision,
allowed or blocked, and the audit chain records it. A blocked attempt is committed *and then* reported
to the caller as ``ComplianceBlocked``, so the record survives the error.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import ContactPoint, QuarantinedContact
from debt_collections.errors import ComplianceBlocked, InvalidInput, NotPermitted
from debt_collections.kernel.access import may
from debt_collections.kernel.audit import Actor, audit_append
from debt_collections.kernel.gate import gate_decide, pack_for
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.kernel.scope import resolve_contact_point
from debt_collections.models import TERMINAL, CollectionCase, ContactAttempt
from debt_collections.services.queue import queue_refresh_after_commit
from notifications.services import notice_block_pending_to

Outcome = ContactAttempt.Outcome
# Outcomes that say the call reached somebody.
CONNECTED_OUTCOMES = {
    Outcome.SPOKE_DEBTOR,
    Outcome.PROMISE_TO_PAY,
    Outcome.REFUSED,
    Outcome.CALLBACK,
    Outcome.WRONG_PARTY,
}


def contact_attempt_log(
    *,
    case_id: int,
    actor: Actor,
    contact_point_id: int,
    channel: str = ContactAttempt.Channel.CALL,
    direction: str = ContactAttempt.Direction.OUTBOUND,
    connected: bool = False,
    conversation: bool = False,
    outcome: str = "",
    note: str = "",
    now: datetime | None = None,
) -> ContactAttempt:
    """Record a call (or an inbound contact) after asking the gate.

    Outbound attempts are calls only: SMS, email and letters leave the system as standardized notices
    (``notifications.services.notice_queue``). Inbound contacts are not gated (the customer reached us)
    but are recorded, and an inbound conversation starts the quiet period like any other.

    Returns the stored attempt. Raises ``ComplianceBlocked`` (after the blocked attempt is committed),
    ``InvalidInput`` for inconsistent input, ``NotPermitted`` outside the actor's scope.
    """
    now = now or timezone.now()
    if channel not in ContactAttempt.Channel.values:
        raise InvalidInput(f"Unknown channel '{channel}'.")
    if direction not in ContactAttempt.Direction.values:
        raise InvalidInput(f"Unknown direction '{direction}'.")
    if direction == ContactAttempt.Direction.OUTBOUND and channel != ContactAttempt.Channel.CALL:
        raise InvalidInput(
            "Outbound SMS, email and letters are sent as approved notices, not logged by hand.",
            code="use_notices",
        )
    if outcome and outcome not in Outcome.values:
        raise InvalidInput(f"Unknown outcome '{outcome}'.")
    if conversation and not connected:
        raise InvalidInput("A conversation needs a connected call.")
    if outcome in CONNECTED_OUTCOMES and not connected:
        raise InvalidInput(f"The outcome '{outcome}' needs a connected call.")

    with transaction.atomic():
        case = lock_case(case_id)
        # Compliance officers review contacts; they do not make them (access.ACTION_ROLES). A lapsed
        # agency's call is the gate's AGENCY_LICENCE decision, on the record (issue 12).
        check_actor(
            actor,
            case,
            None,
            now,
            action="contact.log",
            licence_by_gate=direction == ContactAttempt.Direction.OUTBOUND,
        )
        # Only the case's customer's own points, inbound too: a foreign id is a 404 and stores nothing.
        point = resolve_contact_point(case, contact_point_id)

        if direction == ContactAttempt.Direction.INBOUND:
            allowed, blocked_by, next_at = True, [], None
            policy_version = pack_for(case, now).version
            reasons: dict[str, str] = {}
        else:
            decision = gate_decide(
                case=case, contact_point=point, channel=channel, template=None, actor_user=actor.user, now=now
            )
            allowed = decision.allowed
            blocked_by = [str(r) for r in decision.blocked_by]
            next_at = decision.next_allowed_at
            policy_version = decision.policy_version
            reasons = dict(decision.reasons)
        attempt = ContactAttempt.objects.create(
            case=case,
            customer_id=case.customer_id,
            contact_point=point,
            channel=channel,
            direction=direction,
            placed_at=now,
            connected=connected if allowed else False,
            conversation=conversation if allowed else False,
            outcome=outcome if allowed else "",
            note=note,
            agent=actor.user,
            agency_id=actor.user.agency_id if actor.user is not None else None,
            allowed=allowed,
            blocked_by=blocked_by,
            next_allowed_at=next_at,
            policy_version=policy_version,
        )
        audit_append(
            actor=actor,
            action="contact.attempt" if allowed else "contact.blocked",
            at=now,
            case=case,
            payload={
                "attempt": attempt.pk,
                "channel": channel,
                "direction": direction,
                "contact_point": point.pk,
                "connected": attempt.connected,
                "conversation": attempt.conversation,
                "outcome": attempt.outcome,
                "allowed": allowed,
                "blocked_by": blocked_by,
                "next_allowed_at": next_at,
                "policy_version": policy_version,
                "reasons": reasons,
            },
        )
        if allowed and outcome == Outcome.WRONG_PARTY:
            _quarantine(point=point, actor=actor, now=now, source=f"attempt:{attempt.pk}")
        queue_refresh_after_commit(customer_ids=[case.customer_id], now=now)  # issue 14: the work queue
        if not allowed and next_at is not None:
            # The agent's queue ("next action due") shows when this case can be worked again.
            CollectionCase.objects.filter(pk=case.pk).exclude(state__in=TERMINAL).update(
                next_action_at=next_at
            )
    if not allowed:
        raise ComplianceBlocked(
            "The compliance gate blocked this call: " + "; ".join(reasons.values()),
            rule_ids=blocked_by,
            next_allowed_at=next_at,
            reasons=reasons,
        )
    return attempt


def _quarantine(*, point: ContactPoint, actor: Actor, now: datetime, source: str) -> QuarantinedContact:
    """Mark the value wrong-party on every customer's record and stop everything pending to it.

    Runs inside the caller's transaction, so the report and its effects commit together.
    """
    value = point.value
    entry, created = QuarantinedContact.objects.get_or_create(
        value=value,
        lifted_at__isnull=True,
        defaults={"kind": point.kind, "reported_at": now, "reported_via": actor.label},
    )
    same_value = ContactPoint.objects.filter(kind=point.kind)
    same_value = (
        same_value.filter(phone=value)
        if point.kind == ContactPoint.Kind.PHONE
        else same_value.filter(email__iexact=value)
        if point.kind == ContactPoint.Kind.EMAIL
        else same_value.filter(pk=point.pk)
    )
    point_ids = list(same_value.values_list("pk", flat=True))
    ContactPoint.objects.filter(pk__in=point_ids).update(status=ContactPoint.Status.WRONG_PARTY)
    # Every file with this number: their queue rows must stop saying "may be called now" (issue 14).
    queue_refresh_after_commit(
        customer_ids=ContactPoint.objects.filter(pk__in=point_ids).values_list("customer_id", flat=True),
        now=now,
    )
    blocked = notice_block_pending_to(contact_point_ids=point_ids, actor=actor, now=now, rule="WRONG_PARTY")
    audit_append(
        actor=actor,
        action="contact.wrong_party",
        at=now,
        case=None,
        payload={
            "value_kind": point.kind,
            "contact_points": point_ids,
            "quarantine": entry.pk,
            "new": created,
            "notices_blocked": blocked,
            "source": source,
        },
    )
    return entry


def contact_report_wrong_party(
    *, contact_point_id: int, actor: Actor, now: datetime | None = None, source: str = ""
) -> QuarantinedContact:
    """A wrong party said "not me": quarantine the number for every customer, at once and for good.

    Safe to repeat: a second report finds the existing quarantine. Needs no verification by design.
    """
    now = now or timezone.now()
    with transaction.atomic():
        point = ContactPoint.objects.select_for_update().get(pk=contact_point_id)
        return _quarantine(point=point, actor=actor, now=now, source=source or "report")


def contact_quarantine_lift(
    *, quarantine_id: int, actor: Actor, reason: str, now: datetime | None = None
) -> QuarantinedContact:
    """Lift a wrong-party quarantine. Needs a supervisor or compliance officer who did not report it.

    The contact points stay ``wrong_party`` until each is re-verified with its owner: lifting only
    allows that re-verification, it does not restore contact by itself.
    """
    now = now or timezone.now()
    user = actor.user
    if user is None or not may(user, "quarantine.lift"):
        raise NotPermitted("Only a supervisor or compliance officer can lift a quarantine.")
    if not reason.strip():
        raise InvalidInput("Say why the quarantine is lifted.")
    with transaction.atomic():
        entry = QuarantinedContact.objects.select_for_update().get(pk=quarantine_id)
        if entry.lifted_at is not None:
            raise InvalidInput("This quarantine was already lifted.")
        if entry.reported_via == actor.label:
            raise NotPermitted(
                "A second person must lift the quarantine, not the one who reported it.", code="four_eyes"
            )
        entry.lifted_at = now
        entry.lifted_by = user
        entry.lift_reason = reason
        entry.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        audit_append(
            actor=actor,
            action="contact.quarantine_lifted",
            at=now,
            payload={"quarantine": entry.pk, "reason": reason},
        )
    return entry


def contact_opt_out(
    *, contact_point_id: int, channel: str, actor: Actor, now: datetime | None = None
) -> ContactPoint:
    """Opt the person out of ``channel`` on this contact point. Safe to repeat; audited once per change."""
    now = now or timezone.now()
    if channel not in ContactAttempt.Channel.values:
        raise InvalidInput(f"Unknown channel '{channel}'.")
    with transaction.atomic():
        point = ContactPoint.objects.select_for_update().get(pk=contact_point_id)
        channels = set(point.opted_out_channels or [])
        if channel in channels:
            return point
        channels.add(channel)
        point.opted_out_channels = sorted(channels)
        point.save(update_fields=["opted_out_channels"])
        queue_refresh_after_commit(customer_ids=[point.customer_id], now=now)
        blocked = notice_block_pending_to(
            contact_point_ids=[point.pk], actor=actor, now=now, rule="OPT_OUT", channel=channel
        )
        audit_append(
            actor=actor,
            action="contact.opt_out",
            at=now,
            case=None,
            payload={"contact_point": point.pk, "channel": channel, "notices_blocked": blocked},
        )
    return point
