"""Disputes and complaints (DESIGN §9): opening one holds the case in the same transaction, starts the
pack's SLA clock, lands in the compliance queue (``selectors.open_disputes``) and is acknowledged;
resolving one sends the outcome and lifts the hold, or closes the case when fraud is upheld.

The hold, its release and the closing are consequences the policy imposes, not the opener's or the
decider's own authority (an agent may hold, only a supervisor may release or close by hand, and a
compliance officer may do neither by hand): they run as the system actor ``system:dispute_policy``, and
their reason names the dispute and the person who opened or decided it, whose own event is beside it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from django.db import transaction
from django.utils import timezone

from debt_collections import selectors
from debt_collections.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from debt_collections.kernel.access import may
from debt_collections.kernel.audit import Actor, audit_append
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.models import HOLDABLE, CaseState, CloseReason, CollectionCase, Dispute, HoldReason
from debt_collections.policies import PAYMENT_COMPONENTS, quantize
from debt_collections.services import service_notices
from debt_collections.services.case_transitions import case_transition_locked

DISPUTE_POLICY = Actor.system("dispute_policy")
OUTCOMES: Final = (Dispute.Status.UPHELD, Dispute.Status.REJECTED)
# An upheld dispute of these kinds means the debt is not this customer's: the case is closed.
CLOSE_WHEN_UPHELD: Final[dict[str, str]] = {
    Dispute.Kind.IDENTITY_THEFT: CloseReason.FRAUD_UPHELD,
    Dispute.Kind.NOT_MY_DEBT: CloseReason.NOT_OUR_CUSTOMER,
}


def _hold_reason(kind: str) -> str:
    return HoldReason.COMPLAINT if kind == Dispute.Kind.CONDUCT_COMPLAINT else HoldReason.DISPUTE


def _disputed_amount(
    case: CollectionCase, amount: Decimal | None, component: str
) -> tuple[Decimal | None, str]:
    if component and component not in PAYMENT_COMPONENTS:
        raise InvalidInput(
            f"Unknown component '{component}'. Use one of: {', '.join(PAYMENT_COMPONENTS)}.",
            code="invalid_component",
        )
    if amount is None:
        return None, component
    if not component:
        raise InvalidInput(
            "Say which balance component the disputed amount is in.", code="component_required"
        )
    if isinstance(amount, float) or not isinstance(amount, Decimal | int):
        raise InvalidInput("The disputed amount must be a decimal number.", code="invalid_amount")
    value = Decimal(amount)
    currency = case.account.currency
    if not value.is_finite() or value <= 0 or quantize(value, currency) != value:
        raise InvalidInput(
            f"The disputed amount must be a positive {currency} amount.", code="invalid_amount"
        )
    return value, component


def dispute_open(
    *,
    case_id: int,
    kind: str,
    description: str,
    channel: str,
    actor: Actor,
    disputed_amount: Decimal | None = None,
    disputed_component: str = "",
    now: datetime | None = None,
) -> Dispute:
    """Record a dispute or complaint from any channel, in ONE transaction with its consequences:

    * ``sla_due_at = now + pack.dispute_sla(kind)`` days (CN credit-report objections 20, others 15);
    * the case goes ``on_hold`` (reason ``complaint`` for a conduct complaint, else ``dispute``); a case
      already on hold stays held as it is, and a charged-off case cannot be held (collection has stopped);
    * ``dispute.acknowledgement`` (a service notice: it passes the hold) is queued to the customer's
      verified phone or email; a gate block is recorded, not raised.

    ``disputed_amount`` / ``disputed_component`` mark money no payment may be allocated to while the
    dispute is open (a component without an amount withholds the whole component). If any step fails,
    nothing is stored: no dispute without its hold. Returns the dispute. Raises ``InvalidInput`` (kind,
    channel, amount, a finished case), ``NotPermitted`` (scope). Each call opens a new dispute.
    """
    now = now or timezone.now()
    if kind not in Dispute.Kind.values:
        kinds = ", ".join(Dispute.Kind.values)
        raise InvalidInput(f"Unknown dispute kind '{kind}'. Use one of: {kinds}.", code="invalid_kind")
    channel = channel.strip()
    if not channel or len(channel) > 16:
        raise InvalidInput(
            "Say which channel the dispute came in on (at most 16 characters).", code="invalid_channel"
        )
    with transaction.atomic():
        case = lock_case(case_id)
        # Compliance officers decide disputes; they do not open them on a customer's behalf.
        check_actor(actor, case, None, now, action="dispute.open")
        if case.state not in [*HOLDABLE, CaseState.ON_HOLD, CaseState.CHARGED_OFF]:
            raise InvalidInput(
                f"The case is {case.get_state_display()}; it cannot be disputed any more.",
                code="case_finished",
            )
        amount, component = _disputed_amount(case, disputed_amount, disputed_component)
        pack = selectors.case_pack(case, now)
        dispute = Dispute.objects.create(
            case=case,
            kind=kind,
            description=description,
            channel=channel,
            disputed_amount=amount,
            disputed_component=component,
            opened_at=now,
            sla_due_at=now + timedelta(days=pack.dispute_sla(kind)),
        )
        audit_append(
            actor=actor,
            action="dispute.opened",
            at=now,
            case=case,
            payload={
                "dispute": dispute.pk,
                "kind": kind,
                "channel": channel,
                "disputed_amount": amount,
                "disputed_component": component,
                "sla_due_at": dispute.sla_due_at,
                "sla_days": pack.dispute_sla(kind),
                "policy_version": pack.version,
            },
        )
        if case.state in HOLDABLE:
            case_transition_locked(
                cases=[case],
                name="hold",
                actor=DISPUTE_POLICY,
                now=now,
                params={"hold_reason": _hold_reason(kind)},
                reason=f"dispute {dispute.pk} ({kind}) opened by {actor.label}",
            )
        service_notices.queue(
            case=case,
            template_key="dispute.acknowledgement",
            reference=f"dispute:{dispute.pk}",
            point=service_notices.notice_point(case, None),
            actor=actor,
            now=now,
            extra={
                "dispute_kind": service_notices.dispute_kind_label(case, dispute),
                "dispute_due_date": service_notices.local_text(case, dispute.sla_due_at),
            },
        )
    return dispute


def _require_resolver(actor: Actor) -> None:
    user = actor.user
    if user is None or not may(user, "dispute.resolve"):
        raise NotPermitted("Only a compliance officer or a supervisor resolves disputes.")


def dispute_resolve(
    *, dispute_id: int, outcome: str, outcome_text: str, actor: Actor, now: datetime | None = None
) -> Dispute:
    """Decide a dispute (``upheld`` or ``rejected``) with a written explanation the customer receives.

    In one transaction: the dispute is closed, ``dispute.outcome`` is queued (a service notice), and the
    case follows: an upheld ``identity_theft`` closes it (``fraud_upheld``), an upheld ``not_my_debt``
    closes it (``not_our_customer``); otherwise, once no open dispute is left on a case held for a
    dispute or complaint, the hold is released (back to the saved state). A hold for another reason
    (hardship, breathing space) is left to its own owner.

    Only compliance officers and supervisors decide. Returns the dispute. Raises ``NotPermitted``,
    ``InvalidInput`` (outcome, missing text) and ``TransitionNotAllowed`` (``dispute_closed``: already
    decided; not repeatable).
    """
    now = now or timezone.now()
    _require_resolver(actor)
    if outcome not in OUTCOMES:
        raise InvalidInput("The outcome is 'upheld' or 'rejected'.", code="invalid_outcome")
    if not outcome_text.strip():
        raise InvalidInput("Explain the outcome to the customer.", code="outcome_text_required")
    with transaction.atomic():
        case_id = Dispute.objects.filter(pk=dispute_id).values_list("case_id", flat=True).first()
        if case_id is None:
            raise InvalidInput(f"Dispute {dispute_id} does not exist.", code="not_found")
        case = lock_case(case_id)
        check_actor(actor, case, None, now)
        dispute = Dispute.objects.select_for_update().get(pk=dispute_id)
        if dispute.status != Dispute.Status.OPEN:
            raise TransitionNotAllowed(
                f"This dispute was already decided ({dispute.get_status_display()}).", code="dispute_closed"
            )
        dispute.decide(outcome=outcome, text=outcome_text, at=now)
        dispute.save(update_fields=["status", "outcome", "resolved_at"])
        audit_append(
            actor=actor,
            action="dispute.resolved",
            at=now,
            case=case,
            payload={
                "dispute": dispute.pk,
                "kind": dispute.kind,
                "outcome": outcome,
                "outcome_text": outcome_text,
                "sla_due_at": dispute.sla_due_at,
                "within_sla": now <= dispute.sla_due_at,
            },
        )
        service_notices.queue(
            case=case,
            template_key="dispute.outcome",
            reference=f"dispute:{dispute.pk}",
            point=service_notices.notice_point(case, None),
            actor=actor,
            now=now,
            extra={
                "dispute_kind": service_notices.dispute_kind_label(case, dispute),
                "dispute_outcome": service_notices.outcome_label(case, outcome),
                "dispute_outcome_text": outcome_text,
            },
        )
        why = f"dispute {dispute.pk} ({dispute.kind}) {outcome} by {actor.label}"
        close_reason = CLOSE_WHEN_UPHELD.get(dispute.kind) if outcome == Dispute.Status.UPHELD else None
        if close_reason is not None and case.state not in (CaseState.RESOLVED, CaseState.CLOSED):
            case_transition_locked(
                cases=[case],
                name="close",
                actor=DISPUTE_POLICY,
                now=now,
                params={"close_reason": close_reason},
                reason=why,
            )
        elif (
            case.state == CaseState.ON_HOLD
            and case.hold_reason in (HoldReason.DISPUTE, HoldReason.COMPLAINT)
            and not case.disputes.filter(status=Dispute.Status.OPEN).exists()
        ):
            case_transition_locked(cases=[case], name="release", actor=DISPUTE_POLICY, now=now, reason=why)
    return dispute
