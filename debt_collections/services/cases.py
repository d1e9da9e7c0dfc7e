"""Every write to a case goes through one function here.

Each service: opens a transaction, locks the case row (``SELECT … FOR UPDATE``), checks who may act and
whether the state allows it, calls the ``@transition`` method, saves only the changed fields, appends
the audit event, and schedules side effects with ``transaction.on_commit``. The clock is read once per
operation (``now``) and passed down; callers may pass ``now`` to make runs deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import django_fsm
from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, CreditAccount, User
from debt_collections.errors import InvalidInput, NotPermitted, StaleState, TransitionNotAllowed
from debt_collections.kernel.audit import Actor, PendingEvent, audit_append, audit_append_many
from debt_collections.kernel.bulk import bulk_insert
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.models import (
    CaseState,
    CloseReason,
    CollectionCase,
    Dispute,
    HoldReason,
)
from debt_collections.policies import get_pack


def _apply_transition(
    *,
    case_id: int,
    name: str,
    actor: Actor,
    reason: str,
    expected_state: str | None,
    now: datetime | None,
    call: Callable[[CollectionCase, datetime], None],
    guard: Callable[[CollectionCase, datetime], None] | None = None,
    extra: dict[str, Any] | None = None,
    check_role: bool = True,
) -> CollectionCase:
    now = now or timezone.now()
    with transaction.atomic():
        case = lock_case(case_id)
        check_actor(actor, case, name if check_role else None, now)
        if expected_state is not None and case.state != expected_state:
            raise StaleState(
                f"The case is now '{case.get_state_display()}', not '{expected_state}': someone else "
                "changed it. Reload and try again."
            )
        previous = case.state
        if guard is not None:
            guard(case, now)
        try:
            call(case, now)
        except django_fsm.TransitionNotAllowed as exc:
            raise TransitionNotAllowed(
                f"'{name}' is not allowed while the case is '{case.get_state_display()}'."
            ) from exc
        try:
            case.save()
        except django_fsm.ConcurrentTransition as exc:
            raise StaleState(
                "Another user changed this case at the same time. Reload and try again."
            ) from exc
        audit_append(
            actor=actor,
            action=f"case.{name}",
            at=now,
            case=case,
            payload={"from": previous, "to": case.state, "reason": reason, **(extra or {})},
        )
    return case


def case_open(
    *, account: CreditAccount, actor: Actor, now: datetime | None = None, reason: str = "newly delinquent"
) -> CollectionCase:
    """Open a case (state ``early``) for a delinquent account. Raises ``InvalidInput`` if one is open."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = CreditAccount.objects.select_for_update().get(pk=account.pk)
        if (
            CollectionCase.objects.filter(account=locked)
            .exclude(state__in=[CaseState.RESOLVED, CaseState.CLOSED])
            .exists()
        ):
            raise InvalidInput("This account already has an open case.", code="case_exists")
        case = CollectionCase.objects.create(account=locked, customer_id=locked.customer_id, opened_at=now)
        audit_append(
            actor=actor,
            action="case.open",
            at=now,
            case=case,
            payload={"account": locked.account_number, "dpd": locked.days_past_due, "reason": reason},
        )
    return case


def case_escalate(
    *,
    case_id: int,
    actor: Actor,
    reason: str = "",
    expected_state: str | None = None,
    now: datetime | None = None,
) -> CollectionCase:
    """early → active."""
    return _apply_transition(
        case_id=case_id,
        name="escalate",
        actor=actor,
        reason=reason,
        expected_state=expected_state,
        now=now,
        call=lambda c, _n: c.escalate(),
    )


def case_engage(
    *,
    case_id: int,
    actor: Actor,
    reason: str = "",
    expected_state: str | None = None,
    now: datetime | None = None,
) -> CollectionCase:
    """early/active → negotiating (an offer was made or the customer engaged)."""
    return _apply_transition(
        case_id=case_id,
        name="engage",
        actor=actor,
        reason=reason,
        expected_state=expected_state,
        now=now,
        call=lambda c, _n: c.engage(),
    )


def case_start_plan(
    *, case_id: int, actor: Actor, reason: str = "", plan_id: int | None = None, now: datetime | None = None
) -> CollectionCase:
    """negotiating → on_plan. Called by the plan-acceptance service, not by hand."""
    return _apply_transition(
        case_id=case_id,
        name="start_plan",
        actor=actor,
        reason=reason,
        expected_state=None,
        now=now,
        call=lambda c, _n: c.accept_plan(),
        extra={"plan": plan_id},
        check_role=False,
    )


def case_complete_plan(
    *, case_id: int, actor: Actor, reason: str = "", now: datetime | None = None
) -> CollectionCase:
    """on_plan → resolved (the last installment was paid)."""
    return _apply_transition(
        case_id=case_id,
        name="complete_plan",
        actor=actor,
        reason=reason,
        expected_state=None,
        now=now,
        call=lambda c, n: c.complete_plan(at=n),
        check_role=False,
    )


def case_break_plan(
    *, case_id: int, actor: Actor, reason: str = "", now: datetime | None = None
) -> CollectionCase:
    """on_plan → active (an installment was missed past the grace period)."""
    return _apply_transition(
        case_id=case_id,
        name="break_plan",
        actor=actor,
        reason=reason,
        expected_state=None,
        now=now,
        call=lambda c, _n: c.break_plan(),
        check_role=False,
    )


def case_withdraw_plan(
    *, case_id: int, actor: Actor, reason: str = "", now: datetime | None = None
) -> CollectionCase:
    """on_plan → negotiating (the customer withdrew within cooling-off). Called by ``plan_withdraw``."""
    return _apply_transition(
        case_id=case_id,
        name="withdraw_plan",
        actor=actor,
        reason=reason,
        expected_state=None,
        now=now,
        call=lambda c, _n: c.withdraw_plan(),
        check_role=False,
    )


def case_resolve(
    *,
    case_id: int,
    actor: Actor,
    reason: str = "",
    expected_state: str | None = None,
    now: datetime | None = None,
) -> CollectionCase:
    """Paid in full: any open working state → resolved."""
    return _apply_transition(
        case_id=case_id,
        name="resolve",
        actor=actor,
        reason=reason,
        expected_state=expected_state,
        now=now,
        call=lambda c, n: c.resolve(at=n),
    )


def case_hold(
    *,
    case_id: int,
    actor: Actor,
    hold_reason: str,
    reason: str = "",
    until: datetime | None = None,
    expected_state: str | None = None,
    now: datetime | None = None,
) -> CollectionCase:
    """Pause all collection contact; the current state is saved for ``case_release``."""
    if hold_reason not in HoldReason.values:
        raise InvalidInput(
            f"Unknown hold reason '{hold_reason}'. Use one of: {', '.join(HoldReason.values)}."
        )
    return _apply_transition(
        case_id=case_id,
        name="hold",
        actor=actor,
        reason=reason,
        expected_state=expected_state,
        now=now,
        call=lambda c, _n: c.hold(reason=hold_reason, until=until),
        extra={"hold_reason": hold_reason, "until": until},
    )


def _no_open_dispute(case: CollectionCase, now: datetime) -> None:
    # Any open dispute, whatever the hold was first placed for: collection never resumes on a disputed debt.
    if case.disputes.filter(status=Dispute.Status.OPEN).exists():
        raise TransitionNotAllowed(
            "The case has an open dispute: resolve the dispute before releasing the hold.",
            code="dispute_open",
        )


def case_release(
    *,
    case_id: int,
    actor: Actor,
    reason: str = "",
    expected_state: str | None = None,
    now: datetime | None = None,
) -> CollectionCase:
    """on_hold → the state saved when the hold began. Refused while a dispute behind the hold is open."""
    return _apply_transition(
        case_id=case_id,
        name="release",
        actor=actor,
        reason=reason,
        expected_state=expected_state,
        now=now,
        call=lambda c, _n: c.release(),
        guard=_no_open_dispute,
    )


def case_release_expired_hold(*, case_id: int, actor: Actor, now: datetime) -> CollectionCase:
    """Release a hold whose ``hold_until`` has passed (the daily cycle)."""

    def guard(case: CollectionCase, at: datetime) -> None:
        if case.hold_until is None or case.hold_until > at:
            raise TransitionNotAllowed("The hold has not expired.", code="hold_not_expired")
        _no_open_dispute(case, at)

    return _apply_transition(
        case_id=case_id,
        name="release",
        actor=actor,
        reason="hold expired",
        expected_state=None,
        now=now,
        call=lambda c, _n: c.release(),
        guard=guard,
        check_role=False,
    )


def _charge_off_guard(case: CollectionCase, now: datetime) -> None:
    pack = get_pack(case.customer.jurisdiction, now.date())
    if case.account.days_past_due < pack.charge_off_dpd:
        raise TransitionNotAllowed(
            f"Charge-off needs at least {pack.charge_off_dpd} days past due under policy {pack.version}; "
            f"this account is at {case.account.days_past_due}.",
            code="charge_off_too_early",
        )


def case_charge_off(
    *,
    case_id: int,
    actor: Actor,
    reason: str = "",
    expected_state: str | None = None,
    now: datetime | None = None,
) -> CollectionCase:
    """active → charged_off, only at or past the policy pack's days-past-due threshold."""

    def call(case: CollectionCase, _now: datetime) -> None:
        case.charge_off()
        CreditAccount.objects.filter(pk=case.account_id).update(status=CreditAccount.Status.CHARGED_OFF)

    return _apply_transition(
        case_id=case_id,
        name="charge_off",
        actor=actor,
        reason=reason,
        expected_state=expected_state,
        now=now,
        call=call,
        guard=_charge_off_guard,
    )


def case_close(
    *,
    case_id: int,
    actor: Actor,
    close_reason: str,
    reason: str = "",
    expected_state: str | None = None,
    now: datetime | None = None,
) -> CollectionCase:
    """Close for fraud upheld, not our customer, deceased or written off."""
    if close_reason not in CloseReason.values:
        raise InvalidInput(
            f"Unknown close reason '{close_reason}'. Use one of: {', '.join(CloseReason.values)}."
        )
    return _apply_transition(
        case_id=case_id,
        name="close",
        actor=actor,
        reason=reason,
        expected_state=expected_state,
        now=now,
        call=lambda c, n: c.close(reason=close_reason, at=n),
        extra={"close_reason": close_reason},
    )


def case_transition(
    *,
    case_id: int,
    transition_name: str,
    actor: Actor,
    reason: str = "",
    expected_state: str | None = None,
    params: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> CollectionCase:
    """Dispatch a hand-triggered transition by name (admin buttons and the API use this)."""
    params = params or {}
    common: dict[str, Any] = {
        "case_id": case_id,
        "actor": actor,
        "reason": reason,
        "expected_state": expected_state,
        "now": now,
    }
    if transition_name == "escalate":
        return case_escalate(**common)
    if transition_name == "engage":
        return case_engage(**common)
    if transition_name == "resolve":
        return case_resolve(**common)
    if transition_name == "hold":
        return case_hold(
            **common, hold_reason=str(params.get("hold_reason") or ""), until=params.get("until")
        )
    if transition_name == "release":
        return case_release(**common)
    if transition_name == "charge_off":
        return case_charge_off(**common)
    if transition_name == "close":
        return case_close(**common, close_reason=str(params.get("close_reason") or ""))
    raise InvalidInput(f"Unknown transition '{transition_name}'.", code="unknown_transition")


def case_assign(
    *, case_id: int, actor: Actor, assignee: User | None, now: datetime | None = None
) -> CollectionCase:
    """Assign (or unassign) a case. Only supervisors; an agency case goes only to that agency's users."""
    now = now or timezone.now()
    with transaction.atomic():
        case = lock_case(case_id)
        if actor.user is not None:
            check_actor(actor, case, None, now)
            if not (actor.user.is_superuser or actor.user.is_supervisor):
                raise NotPermitted("Only a supervisor can reassign cases.")
        if assignee is not None and case.agency_id != assignee.agency_id:
            raise InvalidInput(
                "The assignee must belong to the agency the case is placed with (or both none)."
            )
        previous = case.assignee_id
        case.assignee = assignee
        case.save(update_fields=["assignee", "updated_at"])
        audit_append(
            actor=actor,
            action="case.assign",
            at=now,
            case=case,
            payload={"from": previous, "to": assignee.pk if assignee else None},
        )
    return case


def case_place_with_agency(
    *, case_id: int, actor: Actor, agency: Agency | None, now: datetime | None = None
) -> CollectionCase:
    """Place a case with a licensed agency (or bring it back in-house with ``agency=None``).

    Refused unless the agency's licence and contract are valid today: unlicensed collectors never get
    a case. Clears the assignee, since the old one belongs to the other organisation.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        case = lock_case(case_id)
        if actor.user is not None:
            check_actor(actor, case, None, now)
            if not (actor.user.is_superuser or actor.user.is_supervisor):
                raise NotPermitted("Only a supervisor can place cases with agencies.")
        if agency is not None and not agency.is_valid_on(today):
            raise InvalidInput(
                f"{agency.name}'s licence (until {agency.licensed_until}) or contract "
                f"({agency.contract_start}–{agency.contract_end}) is not valid today; "
                "the case was not placed.",
                code="agency_not_licensed",
            )
        previous = case.agency_id
        case.agency = agency
        case.assignee = None
        case.save(update_fields=["agency", "assignee", "updated_at"])
        audit_append(
            actor=actor,
            action="case.place",
            at=now,
            case=case,
            payload={
                "from_agency": previous,
                "to_agency": agency.pk if agency else None,
                "licence": agency.licence_number if agency else None,
            },
        )
    return case


# --- bulk forms for the daily cycle --------------------------------------------------------------
# The same checks and the same audit events as the one-case services above, for thousands of rows in
# one transaction with a fixed number of queries. Only system actors use them (the cycle).


def case_open_many(
    *, account_ids: list[int], actor: Actor, now: datetime, reason: str
) -> list[CollectionCase]:
    """Open an ``early`` case for each delinquent account that has no open case. Returns the new cases.

    Safe to repeat: accounts that already have an open case are skipped (and the partial unique index
    ``one_open_case_per_account`` refuses a duplicate from a concurrent run).
    """
    if not account_ids:
        return []
    with transaction.atomic():
        accounts = list(
            CreditAccount.objects.select_for_update()
            .filter(pk__in=account_ids)
            .exclude(
                # Only these accounts' cases: a subquery over every open case costs the cycle a scan of
                # the whole table per chunk.
                cases__in=CollectionCase.objects.filter(account_id__in=account_ids).exclude(
                    state__in=[CaseState.RESOLVED, CaseState.CLOSED]
                )
            )
            .order_by("pk")
        )
        cases = bulk_insert(
            CollectionCase,
            [CollectionCase(account=a, customer_id=a.customer_id, opened_at=now) for a in accounts],
        )
        audit_append_many(
            [
                PendingEvent(
                    action="case.open",
                    case_id=case.pk,
                    actor=actor,
                    payload={"account": a.account_number, "dpd": a.days_past_due, "reason": reason},
                )
                for case, a in zip(cases, accounts, strict=True)
            ],
            at=now,
        )
    return cases


def _apply_transition_many(
    *,
    case_ids: list[int],
    name: str,
    actor: Actor,
    now: datetime,
    call: Callable[[CollectionCase], None],
    reason: Callable[[CollectionCase], str],
    extra_fields: tuple[str, ...] = (),
) -> list[CollectionCase]:
    """Lock the cases, apply the ``@transition`` method to each in memory (a case whose state no longer
    allows it is skipped: someone else moved it), save them in one bulk update and audit each."""
    if not case_ids:
        return []
    with transaction.atomic():
        locked = list(
            CollectionCase.objects.select_for_update()
            .select_related("account", "customer")
            .filter(pk__in=case_ids)
            .order_by("pk")
        )
        changed: list[tuple[CollectionCase, str]] = []
        for case in locked:
            previous = case.state
            try:
                call(case)
            except django_fsm.TransitionNotAllowed:
                continue
            case.updated_at = now
            changed.append((case, previous))
        # One UPDATE per distinct set of new values (a batch usually shares one): bulk_update's CASE
        # expression per row costs the cycle more CPU than the transitions themselves.
        fields = ("state", *extra_fields)
        groups: dict[tuple[Any, ...], list[int]] = {}
        for case, _previous in changed:
            groups.setdefault(tuple(getattr(case, f) for f in fields), []).append(case.pk)
        for values, ids in groups.items():
            CollectionCase.objects.filter(pk__in=ids).update(
                updated_at=now, **dict(zip(fields, values, strict=True))
            )
        audit_append_many(
            [
                PendingEvent(
                    action=f"case.{name}",
                    case_id=case.pk,
                    actor=actor,
                    payload={"from": previous, "to": case.state, "reason": reason(case)},
                )
                for case, previous in changed
            ],
            at=now,
        )
    return [c for c, _ in changed]


def case_escalate_many(*, case_ids: list[int], actor: Actor, now: datetime) -> list[CollectionCase]:
    """early → active for each case (the cycle's escalation step)."""
    return _apply_transition_many(
        case_ids=case_ids,
        name="escalate",
        actor=actor,
        now=now,
        call=lambda c: c.escalate(),
        reason=lambda c: f"{c.account.days_past_due} days past due",
    )


def case_charge_off_many(*, case_ids: list[int], actor: Actor, now: datetime) -> list[CollectionCase]:
    """active → charged_off for each case at or past its pack's threshold (re-checked under the lock)."""

    def guarded(case: CollectionCase) -> None:
        try:
            _charge_off_guard(case, now)
        except TransitionNotAllowed as exc:  # below the threshold after all: skip it like a moved case
            raise django_fsm.TransitionNotAllowed(exc.message) from exc
        case.charge_off()

    charged = _apply_transition_many(
        case_ids=case_ids,
        name="charge_off",
        actor=actor,
        now=now,
        call=guarded,
        reason=lambda c: f"{c.account.days_past_due} days past due",
    )
    CreditAccount.objects.filter(pk__in=[c.account_id for c in charged]).update(
        status=CreditAccount.Status.CHARGED_OFF
    )
    return charged
