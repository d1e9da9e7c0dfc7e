"""Every write to a case goes through one function here or in ``case_transitions`` (the one table of
state transitions, which the named ``case_escalate``, ``case_hold``, … below call in one line each).

Each service: opens a transaction, locks the case row (``SELECT … FOR UPDATE``), checks who may act and
whether the state allows it, changes it, saves only the changed fields, appends the audit event, and
schedules side effects with ``transaction.on_commit``. The clock is read once per operation (``now``) and
passed down; callers may pass ``now`` to make runs deterministic.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, CreditAccount, User
from debt_collections.errors import InvalidInput, NotPermitted
from debt_collections.kernel.audit import Actor, PendingEvent, audit_append, audit_append_many
from debt_collections.kernel.bulk import bulk_insert, new_row
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.models import CaseState, CollectionCase
from debt_collections.services.case_transitions import (
    case_transition,
    case_transition_many,
    case_transition_one,
)
from debt_collections.services.queue import queue_refresh_cases_after_commit


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
        queue_refresh_cases_after_commit(case_ids=[case.pk], now=now)
    return case


# --- the named transitions: thin calls into the one table (``case_transitions``) --------------------


def case_escalate(
    *,
    case_id: int,
    actor: Actor,
    reason: str = "",
    expected_state: str | None = None,
    now: datetime | None = None,
) -> CollectionCase:
    """early → active."""
    return case_transition(
        case_id=case_id, name="escalate", actor=actor, reason=reason, expected_state=expected_state, now=now
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
    return case_transition(
        case_id=case_id, name="engage", actor=actor, reason=reason, expected_state=expected_state, now=now
    )


def case_start_plan(
    *, case_id: int, actor: Actor, reason: str = "", plan_id: int | None = None, now: datetime | None = None
) -> CollectionCase:
    """negotiating → on_plan. Service-only: the plan-acceptance service causes it."""
    return case_transition_one(
        case_id=case_id, name="start_plan", actor=actor, reason=reason, params={"plan": plan_id}, now=now
    )


def case_complete_plan(
    *, case_id: int, actor: Actor, reason: str = "", now: datetime | None = None
) -> CollectionCase:
    """on_plan → resolved (the last installment was paid). Service-only."""
    return case_transition_one(case_id=case_id, name="complete_plan", actor=actor, reason=reason, now=now)


def case_break_plan(
    *, case_id: int, actor: Actor, reason: str = "", now: datetime | None = None
) -> CollectionCase:
    """on_plan → active (an installment was missed past the grace period). Service-only."""
    return case_transition_one(case_id=case_id, name="break_plan", actor=actor, reason=reason, now=now)


def case_withdraw_plan(
    *, case_id: int, actor: Actor, reason: str = "", now: datetime | None = None
) -> CollectionCase:
    """on_plan → negotiating (the customer withdrew within cooling-off). Service-only (``plan_withdraw``)."""
    return case_transition_one(case_id=case_id, name="withdraw_plan", actor=actor, reason=reason, now=now)


def case_resolve(
    *,
    case_id: int,
    actor: Actor,
    reason: str = "",
    expected_state: str | None = None,
    now: datetime | None = None,
) -> CollectionCase:
    """Paid in full: any open working state → resolved. Refused (``balance_outstanding``) while money
    is owed and no settlement has been paid in full (``case_guards.guard_paid_in_full``)."""
    return case_transition(
        case_id=case_id, name="resolve", actor=actor, reason=reason, expected_state=expected_state, now=now
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
    params = {"hold_reason": hold_reason, "until": until}
    return case_transition(
        case_id=case_id,
        name="hold",
        actor=actor,
        reason=reason,
        params=params,
        expected_state=expected_state,
        now=now,
    )


def case_release(
    *,
    case_id: int,
    actor: Actor,
    reason: str = "",
    expected_state: str | None = None,
    now: datetime | None = None,
) -> CollectionCase:
    """on_hold → the state saved when the hold began. Refused while a dispute on the case is open."""
    return case_transition(
        case_id=case_id, name="release", actor=actor, reason=reason, expected_state=expected_state, now=now
    )


def case_release_expired_hold(*, case_id: int, actor: Actor, now: datetime) -> CollectionCase:
    """Release a hold whose ``hold_until`` has passed (the daily cycle). Service-only."""
    return case_transition_one(
        case_id=case_id, name="release_expired_hold", actor=actor, reason="hold expired", now=now
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
    return case_transition(
        case_id=case_id, name="charge_off", actor=actor, reason=reason, expected_state=expected_state, now=now
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
    params = {"close_reason": close_reason}
    return case_transition(
        case_id=case_id,
        name="close",
        actor=actor,
        reason=reason,
        params=params,
        expected_state=expected_state,
        now=now,
    )


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
            .filter(pk__any=account_ids)
            .exclude(
                # Only these accounts' cases: a subquery over every open case costs the cycle a scan of
                # the whole table per chunk.
                cases__in=CollectionCase.objects.filter(account_id__any=account_ids).exclude(
                    state__in=[CaseState.RESOLVED, CaseState.CLOSED]
                )
            )
            .order_by("pk")
        )
        cases = bulk_insert(
            CollectionCase,
            # ``updated_at`` on the cycle's clock, as every transition writes it (a second run of the day
            # reads the cases changed since the first by it).
            [
                new_row(CollectionCase, account=a, customer_id=a.customer_id, opened_at=now, updated_at=now)
                for a in accounts
            ],
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
        queue_refresh_cases_after_commit(case_ids=[c.pk for c in cases], now=now)
    return cases


def _days_past_due(case: CollectionCase) -> str:
    return f"{case.account.days_past_due} days past due"


def case_escalate_many(*, case_ids: list[int], actor: Actor, now: datetime) -> list[CollectionCase]:
    """early → active for each case (the cycle's escalation step); a case moved meanwhile is skipped."""
    return case_transition_many(
        case_ids=case_ids, name="escalate", actor=actor, now=now, reason=_days_past_due, skip_refused=True
    )


def case_charge_off_many(*, case_ids: list[int], actor: Actor, now: datetime) -> list[CollectionCase]:
    """active → charged_off for each case at or past its pack's threshold (re-checked under the lock)."""
    return case_transition_many(
        case_ids=case_ids, name="charge_off", actor=actor, now=now, reason=_days_past_due, skip_refused=True
    )
