"""What happens to a plan after it is agreed: the customer withdraws in cooling-off, an agent cancels an
offer, a payment pays its installments and completes it (DESIGN §4, §7, §8). Locks are taken case
first, then plan, as in ``plans``; the case's transitions run on the row locked here.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from debt_collections.errors import TransitionNotAllowed
from debt_collections.kernel.audit import Actor, audit_append
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.models import LIVE_PLAN_STATES, CaseState, PlanState, RepaymentPlan
from debt_collections.services.case_transitions import case_transition_locked
from debt_collections.services.plans import lock_plan, plan_code, require_negotiator


def plan_withdraw(*, plan_id: int, actor: Actor, now: datetime | None = None) -> RepaymentPlan:
    """The customer withdraws within the cooling-off period, penalty-free: the plan is ``withdrawn`` and
    the case goes back to ``negotiating`` to choose again. A withdrawn deferral does not use the
    once-in-12-months allowance.

    Raises ``TransitionNotAllowed``: ``cooling_off_over`` at or after ``cooling_off_until`` (or once the
    plan is active), ``plan_not_accepted`` for a plan in another state, ``case_on_hold`` while the case is
    held (the hold saved ``on_plan`` as the state to resume). Not repeatable: a second call is refused.
    """
    now = now or timezone.now()
    require_negotiator(actor)
    with transaction.atomic():
        case, plan = lock_plan(plan_id)
        check_actor(actor, case, None, now)
        until = plan.cooling_off_until
        if plan.state == PlanState.ACTIVE or (plan.state == PlanState.ACCEPTED and until and now >= until):
            ended = f" at {until:%Y-%m-%d %H:%M} UTC" if until else ""
            raise TransitionNotAllowed(
                f"The cooling-off period ended{ended}; the plan can no longer be withdrawn penalty-free.",
                code="cooling_off_over",
            )
        if plan.state != PlanState.ACCEPTED:
            raise TransitionNotAllowed(
                f"Only an accepted plan can be withdrawn; this one is {plan.get_state_display()}.",
                code="plan_not_accepted",
            )
        if case.state != CaseState.ON_PLAN:
            # Withdrawing now would leave the hold resuming to on_plan with no plan behind it.
            raise TransitionNotAllowed(
                "The case is on hold; the plan can be withdrawn once the hold is released.",
                code="case_on_hold",
            )
        plan.withdraw(at=now)
        plan.save()
        audit_append(
            actor=actor,
            action="plan.withdrawn",
            at=now,
            case=case,
            payload={"plan": plan.pk, "option": plan_code(plan), "cooling_off_until": plan.cooling_off_until},
        )
        case_transition_locked(
            cases=[case],
            name="withdraw_plan",
            actor=actor,
            now=now,
            reason=f"plan {plan.pk} withdrawn in cooling-off",
        )
    return plan


def plan_cancel(
    *, plan_id: int, actor: Actor, reason: str = "", now: datetime | None = None
) -> RepaymentPlan:
    """Cancel an offer that was not accepted. The case state is left as it is (still negotiating).

    Raises ``TransitionNotAllowed`` (``plan_not_offered``) for a plan in any other state.
    """
    now = now or timezone.now()
    require_negotiator(actor)
    with transaction.atomic():
        case, plan = lock_plan(plan_id)
        check_actor(actor, case, None, now)
        if plan.state != PlanState.OFFERED:
            raise TransitionNotAllowed(
                f"Only an offered plan can be cancelled; this one is {plan.get_state_display()}.",
                code="plan_not_offered",
            )
        plan.cancel(at=now, reason=reason or "offer cancelled")
        plan.save()
        payload = {"plan": plan.pk, "reason": reason}
        audit_append(actor=actor, action="plan.cancelled", at=now, case=case, payload=payload)
    return plan


def plan_apply_payment(
    *, case_id: int, amount: Decimal, actor: Actor, now: datetime, balance_cleared: bool = False
) -> RepaymentPlan | None:
    """Apply ``amount`` (what a payment reduced the balance by) to the live plan's installments, oldest
    first; complete the plan, and the case, when every installment is paid or nothing is owed any more
    (``balance_cleared``, e.g. after a waiver the plan total outgrew the balance).

    Runs in the payment's transaction (call it from ``payment_record``). Returns the plan, or ``None``
    without a live plan. A case on hold keeps its plan live: the hold saved ``on_plan`` to resume to.
    """
    with transaction.atomic():
        case = lock_case(case_id)
        plan = case.plans.select_for_update().filter(state__in=LIVE_PLAN_STATES).first()
        if plan is None:
            return None
        remaining = amount
        paid: dict[int, Decimal] = {}
        for installment in (
            plan.installments.select_for_update().filter(paid_amount__lt=F("amount")).order_by("number")
        ):
            if remaining <= 0:
                break
            take = min(remaining, installment.amount - installment.paid_amount)
            installment.paid_amount += take
            if installment.paid_amount == installment.amount:
                installment.paid_at = now
            installment.save(update_fields=["paid_amount", "paid_at"])
            paid[installment.number] = take
            remaining -= take
        if paid:
            audit_append(
                actor=actor,
                action="plan.payment_applied",
                at=now,
                case=case,
                payload={"plan": plan.pk, "installments": paid, "not_applied_to_plan": remaining},
            )
        all_paid = not plan.installments.filter(paid_amount__lt=F("amount")).exists()
        if (all_paid or balance_cleared) and case.state == CaseState.ON_PLAN:
            plan.complete(at=now)
            plan.save()
            audit_append(actor=actor, action="plan.completed", at=now, case=case, payload={"plan": plan.pk})
            case_transition_locked(
                cases=[case], name="complete_plan", actor=actor, now=now, reason=f"plan {plan.pk} paid"
            )
    return plan
