"""Fee and interest waivers, maker-checker (DESIGN §8).

Someone asks (an agent, or the customer on the negotiation page as a hardship request); somebody else
decides. An agent decides up to the pack's ``agent_waiver_limit``; above it only a supervisor. The
requester never decides their own request (``four_eyes``; the ``waiver_decider_is_not_requester``
constraint refuses it in the database too), compliance officers review but do not decide, and agency
users act only on their agency's cases. Approval applies the waiver in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import CreditAccount, User
from debt_collections import selectors
from debt_collections.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from debt_collections.kernel.access import may
from debt_collections.kernel.audit import Actor, audit_append
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.models import TERMINAL, CaseTask, CollectionCase, FeeWaiver, WaiverState
from debt_collections.policies import quantize
from debt_collections.services.payments import settle_if_nothing_owed

# [D] a hardship request is reviewed by a person within two days.
HARDSHIP_REVIEW_WITHIN = timedelta(days=2)


def _valid_amount(amount: Decimal, currency: str) -> Decimal:
    if isinstance(amount, float) or not isinstance(amount, Decimal | int):
        raise InvalidInput("The amount must be a decimal number.", code="invalid_amount")
    value = Decimal(amount)
    if not value.is_finite() or value <= 0:
        raise InvalidInput("The amount must be positive.", code="invalid_amount")
    if quantize(value, currency) != value:
        raise InvalidInput(f"{value} has more precision than {currency} allows.", code="invalid_amount")
    return value


def waiver_request(
    *,
    case_id: int,
    component: str,
    amount: Decimal,
    reason: str,
    actor: Actor,
    hardship: bool = False,
    now: datetime | None = None,
) -> FeeWaiver:
    """Ask to waive ``amount`` of ``component`` (fees, penalty_interest or interest).

    The amount may not exceed the component's balance now. A hardship request also puts a review task
    in the agent's queue. Returns the waiver in state ``requested``. Raises ``InvalidInput`` (component,
    amount, ``exceeds_balance``, a finished case), ``NotPermitted`` (scope, compliance officers). Each
    call is a new request.
    """
    now = now or timezone.now()
    if component not in FeeWaiver.Component.values:
        raise InvalidInput(
            f"Unknown component '{component}'. Use one of: {', '.join(FeeWaiver.Component.values)}.",
            code="invalid_component",
        )
    if not reason.strip():
        raise InvalidInput("Say why the waiver is asked for.", code="reason_required")
    user = actor.user
    if user is not None and not may(user, "waiver.request"):
        raise NotPermitted("Compliance officers review waivers; they do not ask for them.")
    with transaction.atomic():
        case = lock_case(case_id)
        check_actor(actor, case, None, now)
        if case.state in TERMINAL:
            raise InvalidInput("The case is finished; nothing is left to waive.", code="case_finished")
        value = _valid_amount(amount, case.account.currency)
        balance: Decimal = getattr(case.account, component)
        if value > balance:
            raise InvalidInput(
                f"{value} is more than the {component.replace('_', ' ')} balance of {balance}.",
                code="exceeds_balance",
            )
        waiver = FeeWaiver.objects.create(
            case=case,
            component=component,
            amount=value,
            reason=reason,
            hardship=hardship,
            requested_at=now,
            requested_by=actor.label,
            requested_by_user=user,
        )
        task = None
        if hardship:
            task = CaseTask.objects.create(
                case=case,
                kind=CaseTask.Kind.REVIEW,
                due_at=now + HARDSHIP_REVIEW_WITHIN,
                note=f"Hardship waiver request {waiver.pk}: {value} {component}. {reason}",
                created_at=now,
                created_by=actor.label,
            )
        audit_append(
            actor=actor,
            action="waiver.requested",
            at=now,
            case=case,
            payload={
                "waiver": waiver.pk,
                "component": component,
                "amount": value,
                "balance": balance,
                "hardship": hardship,
                "reason": reason,
                "review_task": task.pk if task else None,
            },
        )
    return waiver


def _lock_waiver(waiver_id: int) -> tuple[CollectionCase, FeeWaiver]:
    case_id = FeeWaiver.objects.filter(pk=waiver_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise InvalidInput(f"Waiver {waiver_id} does not exist.", code="not_found")
    case = lock_case(case_id)
    return case, FeeWaiver.objects.select_for_update().get(pk=waiver_id)


def _check_decider(actor: Actor, case: CollectionCase, waiver: FeeWaiver, now: datetime) -> User:
    """Who may decide this waiver: raises ``NotPermitted`` with a code saying why not."""
    user = actor.user
    if user is None:
        raise NotPermitted("A waiver is decided by a person, not by the system or the customer.")
    check_actor(actor, case, None, now)
    if waiver.requested_by == actor.label or (
        waiver.requested_by_user_id is not None and waiver.requested_by_user_id == user.pk
    ):
        raise NotPermitted(
            "The requester cannot decide their own waiver; another person must.", code="four_eyes"
        )
    if user.is_superuser or user.is_supervisor:
        return user
    if not may(user, "waiver.decide"):
        raise NotPermitted("Compliance officers review waivers; an agent or supervisor decides them.")
    limit = selectors.case_pack(case, now).agent_waiver_limit
    if waiver.amount > limit:
        raise NotPermitted(
            f"{waiver.amount} is above the agent limit of {limit}; a supervisor must decide.",
            code="waiver_limit",
        )
    return user


def _require_requested(waiver: FeeWaiver) -> None:
    if waiver.state != WaiverState.REQUESTED:
        raise TransitionNotAllowed(
            f"This waiver was already decided ({waiver.get_state_display()}).", code="waiver_decided"
        )


def waiver_approve(*, waiver_id: int, actor: Actor, note: str = "", now: datetime | None = None) -> FeeWaiver:
    """Approve and apply in one transaction: the component's balance goes down by the amount, with a
    conditional UPDATE that cannot take it below zero. When nothing is owed afterwards the plan completes
    or the case is resolved (as after a payment).

    Returns the waiver in state ``applied``. Raises ``NotPermitted`` (``four_eyes``, ``waiver_limit``,
    role, scope), ``TransitionNotAllowed`` (``waiver_decided``) and ``InvalidInput``
    (``exceeds_balance`` when the balance fell below the amount since the request; nothing changes).
    """
    now = now or timezone.now()
    with transaction.atomic():
        case, waiver = _lock_waiver(waiver_id)
        user = _check_decider(actor, case, waiver, now)
        _require_requested(waiver)
        waiver.approve(by=user, at=now, note=note)
        waiver.save()
        component = waiver.component
        # The balance can never go negative, even if it fell since the request. Exact arithmetic on the
        # locked row: SQLite would compute ``F(c) - amount`` in floating point.
        balance = getattr(CreditAccount.objects.select_for_update().get(pk=case.account_id), component)
        if balance >= waiver.amount:
            CreditAccount.objects.filter(pk=case.account_id).update(**{component: balance - waiver.amount})
        else:
            raise InvalidInput(
                f"The {component.replace('_', ' ')} balance is now {balance}, less than the {waiver.amount} "
                "to waive; reject this request and ask again.",
                code="exceeds_balance",
            )
        waiver.apply(at=now)
        waiver.save()
        after = getattr(CreditAccount.objects.get(pk=case.account_id), component)
        audit_append(
            actor=actor,
            action="waiver.approved",
            at=now,
            case=case,
            payload={
                "waiver": waiver.pk,
                "component": component,
                "amount": waiver.amount,
                "requested_by": waiver.requested_by,
                "note": note,
                "balance_after": after,
                "applied": True,
            },
        )
        reason = f"nothing owed after waiver {waiver.pk}"
        settle_if_nothing_owed(case=case, applied=Decimal(0), actor=actor, now=now, reason=reason)
    return waiver


def waiver_reject(*, waiver_id: int, actor: Actor, note: str, now: datetime | None = None) -> FeeWaiver:
    """Reject with a reason (the same people may reject as may approve). Returns the waiver.

    Raises as ``waiver_approve``, and ``InvalidInput`` without a note.
    """
    now = now or timezone.now()
    if not note.strip():
        raise InvalidInput("Say why the waiver is rejected.", code="note_required")
    with transaction.atomic():
        case, waiver = _lock_waiver(waiver_id)
        user = _check_decider(actor, case, waiver, now)
        _require_requested(waiver)
        waiver.reject(by=user, at=now, note=note)
        waiver.save()
        audit_append(
            actor=actor,
            action="waiver.rejected",
            at=now,
            case=case,
            payload={
                "waiver": waiver.pk,
                "component": waiver.component,
                "amount": waiver.amount,
                "requested_by": waiver.requested_by,
                "note": note,
            },
        )
    return waiver
