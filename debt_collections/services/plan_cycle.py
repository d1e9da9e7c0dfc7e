"""The daily cycle's plan steps (DESIGN §11): activation after cooling-off and breaking on a missed
installment. Deterministic for a date and safe to repeat: each plan is re-checked under its lock, and a
plan already changed is not picked again, so a second run for the same date changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.db.models import F

from debt_collections.errors import DomainError
from debt_collections.kernel.audit import Actor, audit_append
from debt_collections.models import LIVE_PLAN_STATES, CaseState, Installment, PlanState, RepaymentPlan
from debt_collections.policies import PolicyPack, get_pack
from debt_collections.services import service_notices
from debt_collections.services.case_transitions import case_transition_locked
from debt_collections.services.plans import lock_plan
from notifications.rendering import money

CYCLE = Actor.system("collection_cycle")  # the same actor as the rest of the cycle


@dataclass
class StepResult:
    """What a daily-cycle step changed, and the plans it could not change (the next run retries)."""

    changed: int = 0
    errors: list[str] = field(default_factory=list)


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def _in_range(lo: int | None, hi: int | None) -> dict[str, int]:
    bounds = {}
    if lo is not None:
        bounds["case__account_id__gte"] = lo
    if hi is not None:
        bounds["case__account_id__lte"] = hi
    return bounds


def plan_activate_after_cooling_off(
    *, as_of: date, now: datetime, lo: int | None = None, hi: int | None = None
) -> StepResult:
    """Accepted plans whose cooling-off has ended (by ``now`` and within ``as_of``) become ``active``.

    ``lo``/``hi`` restrict to an account-id chunk. Safe to repeat: an active plan is not picked again.
    """
    cutoff = min(now, _end_of(as_of))
    result = StepResult()
    due = RepaymentPlan.objects.filter(
        state=PlanState.ACCEPTED, cooling_off_until__lte=cutoff, **_in_range(lo, hi)
    ).order_by("pk")
    for plan_id in due.values_list("pk", flat=True):
        try:
            with transaction.atomic():
                case, plan = lock_plan(plan_id)
                if plan.state != PlanState.ACCEPTED or plan.cooling_off_until is None:
                    continue
                if plan.cooling_off_until > cutoff:
                    continue
                plan.activate()
                plan.save()
                audit_append(
                    actor=CYCLE,
                    action="plan.activated",
                    at=now,
                    case=case,
                    payload={"plan": plan.pk, "cooling_off_until": plan.cooling_off_until},
                )
                result.changed += 1
        except DomainError as exc:
            result.errors.append(f"plan {plan_id}: {exc.message}")
    return result


def _first_missed(plan: RepaymentPlan, pack: PolicyPack, as_of: date) -> Installment | None:
    """The oldest installment still unpaid more than ``plan_grace_days`` after its due date."""
    last_on_time = as_of - timedelta(days=pack.plan_grace_days + 1)
    return (
        plan.installments.filter(paid_amount__lt=F("amount"), due_date__lte=last_on_time)
        .order_by("number")
        .first()
    )


def plan_break_missed(
    *, as_of: date, now: datetime, lo: int | None = None, hi: int | None = None
) -> StepResult:
    """Break live plans with an installment unpaid past the pack's grace period on ``as_of``: the plan is
    ``broken``, the case goes back to ``active`` and ``plan.broken`` is queued through the gate (deferred
    to contact hours if need be; recorded as blocked if the gate refuses).

    Due on D with 5 days' grace: still fine on D+5, broken on D+6. Cases on hold are skipped: collection
    is paused, and a hold saved ``on_plan`` to resume to. Safe to repeat: a broken plan is not live.
    """
    result = StepResult()
    # Cheap pre-filter (any grace); the pack's own grace is applied per plan under the lock.
    candidates = (
        Installment.objects.filter(
            plan__state__in=LIVE_PLAN_STATES,
            plan__case__state=CaseState.ON_PLAN,
            paid_amount__lt=F("amount"),
            due_date__lt=as_of,
            **{f"plan__{k}": v for k, v in _in_range(lo, hi).items()},
        )
        .values_list("plan_id", flat=True)
        .distinct()
        .order_by("plan_id")
    )
    for plan_id in list(candidates):
        try:
            with transaction.atomic():
                case, plan = lock_plan(plan_id)
                if plan.state not in LIVE_PLAN_STATES or case.state != CaseState.ON_PLAN:
                    continue
                pack = get_pack(case.customer.jurisdiction, as_of)
                missed = _first_missed(plan, pack, as_of)
                if missed is None:
                    continue
                reason = (
                    f"installment {missed.number} due {missed.due_date} unpaid past the "
                    f"{pack.plan_grace_days}-day grace period"
                )
                plan.break_(at=now, reason=reason)
                plan.save()
                audit_append(
                    actor=CYCLE,
                    action="plan.broken",
                    at=now,
                    case=case,
                    payload={
                        "plan": plan.pk,
                        "installment": missed.number,
                        "due_date": missed.due_date,
                        "unpaid": missed.amount - missed.paid_amount,
                        "grace_days": pack.plan_grace_days,
                        "policy_version": pack.version,
                    },
                )
                case_transition_locked(cases=[case], name="break_plan", actor=CYCLE, now=now, reason=reason)
                service_notices.queue(
                    case=case,
                    template_key="plan.broken",
                    reference=f"plan:{plan.pk}",
                    point=service_notices.notice_point(case, None),
                    actor=CYCLE,
                    now=now,
                    due_date=missed.due_date,
                    extra={
                        **service_notices.plan_context(case, plan),
                        "missed_amount": money(missed.amount - missed.paid_amount),
                        "missed_due_date": missed.due_date.isoformat(),
                    },
                )
                result.changed += 1
        except DomainError as exc:
            result.errors.append(f"plan {plan_id}: {exc.message}")
    return result
