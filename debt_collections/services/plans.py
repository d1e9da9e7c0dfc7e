"""Repayment plans: offer and accept (DESIGN §4, §7, §8); withdrawal, cancellation and payments are in
``plan_changes``, the daily cycle's activation and breaking in ``plan_cycle``.

Every amount comes from ``selectors.negotiation_options`` at the moment of the call (never from a form),
so a plan always sums exactly to the balance it was agreed on. Locks are taken case first, then plan,
everywhere, so two services never wait on each other in opposite orders.

A plan is ``offered → accepted → active → completed | broken``, ``accepted → withdrawn`` within the
cooling-off period and ``offered → cancelled``. The case follows: ``negotiating → on_plan`` on
acceptance, back to ``negotiating`` on withdrawal, ``resolved`` on completion, ``active`` when broken.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from debt_collections import selectors
from debt_collections.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from debt_collections.kernel.access import may
from debt_collections.kernel.audit import Actor, PendingEvent, audit_append_many
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.models import (
    CaseState,
    CollectionCase,
    Installment,
    PlanState,
    RepaymentPlan,
)
from debt_collections.policies import HARDSHIP, Option, deferral_code, installment_code
from debt_collections.selectors import PlanFacts
from debt_collections.services import service_notices
from debt_collections.services.case_transitions import Step, case_transition_locked

# States from which a customer may still choose an option: engaging first moves early/active cases on.
_NEGOTIABLE = (CaseState.EARLY, CaseState.ACTIVE, CaseState.NEGOTIATING)


def plan_code(plan: RepaymentPlan) -> str:
    """The option code a plan was made from (``pay_in_full``, ``installment:6``, ``deferral:30``)."""
    if plan.kind == RepaymentPlan.Kind.INSTALLMENT:
        return installment_code(plan.months)
    if plan.kind == RepaymentPlan.Kind.DEFERRAL:
        return deferral_code(plan.deferral_days or 0)
    return "pay_in_full"


def require_negotiator(actor: Actor) -> None:
    """Customers (link actors) and agents or supervisors negotiate; compliance officers review."""
    user = actor.user
    if user is None or may(user, "plan.negotiate"):
        return
    raise NotPermitted("Only agents and supervisors negotiate plans; compliance officers review them.")


def _require_negotiable(case: CollectionCase, facts: PlanFacts) -> None:
    if case.state == CaseState.ON_HOLD:
        raise InvalidInput(
            "The case is on hold (a dispute, complaint or hardship review): no plan can start until the "
            "hold is released.",
            code="case_on_hold",
        )
    if facts.on_live_plan:
        raise InvalidInput("The case already has a plan in place.", code="live_plan")
    if case.state not in _NEGOTIABLE:
        raise InvalidInput(
            f"No plan can start while the case is '{case.get_state_display()}'.", code="case_not_negotiable"
        )


def _option(case: CollectionCase, code: str, now: datetime, facts: PlanFacts) -> Option:
    """The option with ``code`` as offered now; ``InvalidInput`` when it is unknown or not offered."""
    if code == HARDSHIP:
        raise InvalidInput(
            "A hardship waiver is a request for a person to decide, not a plan: use the waiver request.",
            code="not_a_plan",
        )
    options = selectors.negotiation_options(case=case, now=now, facts=facts)
    option = options.get(code)
    if option is None or option.plan_kind is None:
        why = "; ".join(options.withheld.values())
        raise InvalidInput(
            f"The option '{code}' is not available for this case now" + (f": {why}" if why else "."),
            code="option_unavailable",
        )
    return option


def _new_plan(
    *, case: CollectionCase, option: Option, actor: Actor, now: datetime
) -> tuple[RepaymentPlan, list[Installment]]:
    """The plan ``option`` makes, ``offered``, and its installments: not stored yet (``_store``)."""
    pack = selectors.case_pack(case, now)
    first_due = option.first_due_date
    if option.plan_kind is None or first_due is None:  # hardship was refused by _option
        raise InvalidInput(f"The option '{option.code}' does not create a plan.", code="not_a_plan")
    plan = RepaymentPlan(
        case=case,
        kind=option.plan_kind,
        currency=case.account.currency,
        total=option.total,
        months=max(option.months, 1),
        deferral_days=option.deferral_days,
        first_due_date=first_due,
        offered_at=now,
        offered_by=actor.label,
        policy_version=pack.version,
    )
    installments = [
        Installment(number=p.number, due_date=p.due_date, amount=p.amount) for p in option.schedule
    ]
    return plan, installments


def _store(plan: RepaymentPlan, installments: list[Installment]) -> None:
    plan.save()
    for installment in installments:
        installment.plan = plan
    Installment.objects.bulk_create(installments)


def _terms(plan: RepaymentPlan, installments: list[Installment]) -> dict[str, object]:
    return {
        "plan": plan.pk,
        "option": plan_code(plan),
        "kind": plan.kind,
        "total": plan.total,
        "currency": plan.currency,
        "months": plan.months,
        "deferral_days": plan.deferral_days,
        "schedule": [[i.number, i.due_date, i.amount] for i in installments],
        "policy_version": plan.policy_version,
    }


def _cancel_other_offers(case: CollectionCase, keep: RepaymentPlan, now: datetime) -> list[int]:
    cancelled = []
    for other in case.plans.select_for_update().filter(state=PlanState.OFFERED).exclude(pk=keep.pk):
        other.cancel(at=now, reason=f"superseded by plan {keep.pk}")
        other.save()
        cancelled.append(other.pk)
    return cancelled


def _accept(
    *,
    case: CollectionCase,
    plan: RepaymentPlan,
    installments: list[Installment],
    actor: Actor,
    now: datetime,
    contact_point_id: int | None,
    other_offers: bool,
) -> None:
    """Accept ``plan`` (stored here if it is new) and move the case to ``on_plan``, in the caller's
    transaction on the case it locked: the row is passed down, never read again. The case's transitions
    and ``plan.accepted`` are audited in one append; ``other_offers`` says whether offers to supersede
    may exist (``plan_facts``), so a case without any is not asked again."""
    pack = selectors.case_pack(case, now)
    # Refuse a point that is not the customer's before anything changes.
    point = service_notices.notice_point(case, contact_point_id)
    plan.accept(at=now, by=actor.label, cooling_off_until=now + timedelta(days=pack.cooling_off_days))
    if plan.pk is None:
        _store(plan, installments)
    else:
        plan.save()
    superseded = _cancel_other_offers(case, plan, now) if other_offers else []
    events: list[PendingEvent] = []
    start = Step("start_plan", reason=f"{plan_code(plan)} accepted", params={"plan": plan.pk})
    # Engaged first when it was early or active: both steps in one write, both audited.
    engage = Step("engage", reason=f"plan {plan.pk} accepted")
    first, then = (engage, [start]) if case.state in (CaseState.EARLY, CaseState.ACTIVE) else (start, [])
    case_transition_locked(
        cases=[case],
        name=first.name,
        actor=actor,
        now=now,
        reason=first.reason,
        params=first.params,
        audit=events,
        then=then,
    )
    events.append(
        PendingEvent(
            action="plan.accepted",
            case_id=case.pk,
            actor=actor,
            payload={
                **_terms(plan, installments),
                "cooling_off_until": plan.cooling_off_until,
                "superseded_offers": superseded,
                "confirmation_to": point.pk if point else None,
            },
        )
    )
    audit_append_many(events, at=now)
    service_notices.queue(
        case=case,
        template_key="plan.confirmation",
        reference=f"plan:{plan.pk}",
        point=point,
        actor=actor,
        now=now,
        extra=service_notices.plan_context(case, plan, installments),
    )


def plan_accept_option(
    *,
    case_id: int,
    option_code: str,
    actor: Actor,
    now: datetime | None = None,
    contact_point_id: int | None = None,
) -> RepaymentPlan:
    """The customer (or an agent on their behalf) accepts an option: the plan is created exactly as
    offered now and accepted in the same transaction, the case moves to ``on_plan`` (engaging it first
    if it was ``early`` or ``active``), and ``plan.confirmation`` with the schedule and the end of the
    cooling-off period is queued to ``contact_point_id`` or the customer's verified phone, else email.

    ``pay_in_full`` is a one-installment settlement due in ``PAY_IN_FULL_DAYS``; ``deferral:N`` one
    payment of the whole balance in N days. Returns the accepted plan. The case row is locked and read
    once, then passed down to the transitions and the notice.

    Raises ``InvalidInput`` for an unknown or unavailable code (``option_unavailable``), ``hardship``
    (``not_a_plan``), a case on hold (``case_on_hold``), a case with a live plan (``live_plan``) or a
    finished one; ``NotPermitted`` outside the actor's scope or role. Not idempotent: a second call for
    the same case is refused with ``live_plan``.
    """
    now = now or timezone.now()
    require_negotiator(actor)
    with transaction.atomic():
        case = lock_case(case_id)
        check_actor(actor, case, None, now)
        facts = selectors.plan_facts(case, now)
        _require_negotiable(case, facts)
        option = _option(case, option_code, now, facts)
        plan, installments = _new_plan(case=case, option=option, actor=actor, now=now)
        _accept(
            case=case,
            plan=plan,
            installments=installments,
            actor=actor,
            now=now,
            contact_point_id=contact_point_id,
            other_offers=facts.offers > 0,
        )
    return plan


def plan_offer(
    *,
    case_id: int,
    option_code: str,
    actor: Actor,
    now: datetime | None = None,
    contact_point_id: int | None = None,
) -> RepaymentPlan:
    """An agent offers an option: a plan in state ``offered`` (early/active cases move to
    ``negotiating``). With ``contact_point_id``, ``plan.offer`` is queued to that point through the gate.

    Returns the offered plan. Raises as ``plan_accept_option``. Each call makes a new offer; accepting
    one cancels the others.
    """
    now = now or timezone.now()
    require_negotiator(actor)
    with transaction.atomic():
        case = lock_case(case_id)
        check_actor(actor, case, None, now)
        facts = selectors.plan_facts(case, now)
        _require_negotiable(case, facts)
        option = _option(case, option_code, now, facts)
        point = service_notices.notice_point(case, contact_point_id) if contact_point_id is not None else None
        plan, installments = _new_plan(case=case, option=option, actor=actor, now=now)
        _store(plan, installments)
        events: list[PendingEvent] = []
        if case.state in (CaseState.EARLY, CaseState.ACTIVE):
            case_transition_locked(
                cases=[case],
                name="engage",
                actor=actor,
                now=now,
                reason=f"plan {plan.pk} offered",
                audit=events,
            )
        events.append(
            PendingEvent(
                action="plan.offered", case_id=case.pk, actor=actor, payload=_terms(plan, installments)
            )
        )
        audit_append_many(events, at=now)
        service_notices.queue(
            case=case,
            template_key="plan.offer",
            reference=f"plan:{plan.pk}",
            point=point,
            actor=actor,
            now=now,
            extra=service_notices.plan_context(case, plan, installments),
        )
    return plan


def lock_plan(plan_id: int) -> tuple[CollectionCase, RepaymentPlan]:
    """Lock the plan's case, then the plan (the order every service uses)."""
    case_id = RepaymentPlan.objects.filter(pk=plan_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise InvalidInput(f"Plan {plan_id} does not exist.", code="not_found")
    case = lock_case(case_id)
    return case, RepaymentPlan.objects.select_for_update().get(pk=plan_id)


def plan_accept(
    *, plan_id: int, actor: Actor, now: datetime | None = None, contact_point_id: int | None = None
) -> RepaymentPlan:
    """Accept an offered plan, as ``plan_accept_option`` does for a new one.

    The offer must still be what the options would offer now (same code, same total; first due date not
    passed): a balance that changed since (a payment, a waiver) makes it ``offer_outdated``, and the
    agent offers again. Raises ``TransitionNotAllowed`` for a plan that is not ``offered``, else as
    ``plan_accept_option``.
    """
    now = now or timezone.now()
    require_negotiator(actor)
    with transaction.atomic():
        case, plan = lock_plan(plan_id)
        check_actor(actor, case, None, now)
        if plan.state != PlanState.OFFERED:
            raise TransitionNotAllowed(
                f"Only an offered plan can be accepted; this one is {plan.get_state_display()}.",
                code="plan_not_offered",
            )
        facts = selectors.plan_facts(case, now)
        _require_negotiable(case, facts)
        current = selectors.negotiation_options(case=case, now=now, facts=facts).get(plan_code(plan))
        if (
            current is None
            or current.total != plan.total
            or plan.first_due_date < selectors.customer_today(case, now)
        ):
            raise InvalidInput(
                "This offer no longer matches the balance or the options available today; cancel it and "
                "offer again.",
                code="offer_outdated",
            )
        _accept(
            case=case,
            plan=plan,
            installments=list(plan.installments.order_by("number")),
            actor=actor,
            now=now,
            contact_point_id=contact_point_id,
            other_offers=facts.offers > 1,  # this offer is one of them
        )
    return plan
