"""Every case transition, from one table, through one batch-first function.

``TRANSITIONS`` names each transition once: the ``@transition`` method it calls (whose source and
target states are the FSM's, read back from the model, never repeated here), the guard it must pass,
its audit action and the arguments it takes. Who may trigger it by hand is the role table in
``debt_collections.kernel.access`` (a transition missing there is service-only: plans, payments and the
daily cycle cause it, never a button).

``case_transition_many`` applies one transition to many cases (the daily cycle) and
``case_transition`` to one (a click in the admin or the API) by calling it with one id, so both take the
same locks in the same order, pass the same guard and write the same audit payload. A service that
already holds the lock on its case (plan acceptance) calls ``case_transition_locked`` with the locked row
instead of letting it be read again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import django_fsm
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import CreditAccount
from debt_collections.errors import InvalidInput, StaleState, TransitionNotAllowed
from debt_collections.kernel.access import MANUAL_TRANSITIONS, TRANSITION_ROLES
from debt_collections.kernel.audit import Actor, PendingEvent, audit_append_many
from debt_collections.kernel.locking import check_actor, lock_cases
from debt_collections.models import CloseReason, CollectionCase, Dispute, HoldReason
from debt_collections.policies import get_pack
from debt_collections.services.case_guards import guard_paid_in_full
from debt_collections.services.finished_cases import case_tasks_close_finished  # issue 14
from debt_collections.services.queue import queue_refresh_cases_after_commit

Params = Mapping[str, Any]
Guard = Callable[[CollectionCase, datetime], None]
Reason = str | Callable[[CollectionCase], str]

# The columns a ``@transition`` method may change (the state and the fields derived from it).
TRANSITION_FIELDS = (
    "state",
    "hold_reason",
    "hold_until",
    "resume_state",
    "close_reason",
    "closed_at",
    "next_action_at",
)


def _no_open_dispute(case: CollectionCase, now: datetime) -> None:
    # Any open dispute, whatever the hold was first placed for: collection never resumes on a disputed debt.
    if case.disputes.filter(status=Dispute.Status.OPEN).exists():
        raise TransitionNotAllowed(
            "The case has an open dispute: resolve the dispute before releasing the hold.",
            code="dispute_open",
        )


def _hold_expired(case: CollectionCase, now: datetime) -> None:
    if case.hold_until is None or case.hold_until > now:
        raise TransitionNotAllowed("The hold has not expired.", code="hold_not_expired")
    _no_open_dispute(case, now)


def _charge_off_due(case: CollectionCase, now: datetime) -> None:
    pack = get_pack(case.customer.jurisdiction, now.date())
    if case.account.days_past_due < pack.charge_off_dpd:
        raise TransitionNotAllowed(
            f"Charge-off needs at least {pack.charge_off_dpd} days past due under policy {pack.version}; "
            f"this account is at {case.account.days_past_due}.",
            code="charge_off_too_early",
        )


def _mark_accounts_charged_off(cases: list[CollectionCase]) -> None:
    CreditAccount.objects.filter(pk__in=[c.account_id for c in cases]).update(
        status=CreditAccount.Status.CHARGED_OFF
    )


def _choice(name: str, choices: Sequence[str]) -> Callable[[Params], None]:
    def validate(params: Params) -> None:
        value = params.get(name)
        if value not in choices:
            label = name.replace("_", " ").removesuffix(" reason")
            raise InvalidInput(f"Unknown {label} reason '{value or ''}'. Use one of: {', '.join(choices)}.")

    return validate


@dataclass(frozen=True)
class CaseTransition:
    """One row of the table. ``call`` runs the ``@transition`` method with the arguments it needs."""

    name: str
    method: str
    call: Callable[[CollectionCase, datetime, Params], object]
    guard: Guard | None = None
    action: str = ""
    validate: Callable[[Params], None] | None = None
    payload: Callable[[Params], dict[str, Any]] = field(default=lambda _p: {})
    # A write the transition implies outside the case row, for all changed cases at once.
    after: Callable[[list[CollectionCase]], None] | None = None

    @property
    def audit_action(self) -> str:
        return self.action or f"case.{self.name}"

    @property
    def roles(self) -> frozenset[str] | None:
        """Who may trigger it by hand; ``None`` for a service-only transition."""
        return TRANSITION_ROLES.get(self.name)

    @property
    def sources(self) -> tuple[str, ...]:
        """The states the FSM allows it from."""
        return tuple(str(s) for s in self._meta().transitions)

    @property
    def targets(self) -> tuple[str, ...]:
        """The state(s) it leads to (a release returns to the saved state: several)."""
        targets: set[str] = set()
        for t in self._meta().transitions.values():
            allowed = getattr(t.target, "allowed_states", None)
            targets.update(str(s) for s in (allowed if allowed is not None else [t.target]))
        return tuple(sorted(targets))

    def _meta(self) -> django_fsm.FSMMeta:
        return getattr(CollectionCase, self.method)._django_fsm


TRANSITIONS: dict[str, CaseTransition] = {
    t.name: t
    for t in (
        CaseTransition("escalate", "escalate", lambda c, _n, _p: c.escalate()),
        CaseTransition("engage", "engage", lambda c, _n, _p: c.engage()),
        CaseTransition(
            "start_plan",
            "accept_plan",
            lambda c, _n, _p: c.accept_plan(),
            payload=lambda p: {"plan": p.get("plan")},
        ),
        CaseTransition("complete_plan", "complete_plan", lambda c, n, _p: c.complete_plan(at=n)),
        CaseTransition("break_plan", "break_plan", lambda c, _n, _p: c.break_plan()),
        CaseTransition("withdraw_plan", "withdraw_plan", lambda c, _n, _p: c.withdraw_plan()),
        # Paid in full needs nothing owed, or a settlement paid in full (issue 12).
        CaseTransition("resolve", "resolve", lambda c, n, _p: c.resolve(at=n), guard=guard_paid_in_full),
        CaseTransition(
            "hold",
            "hold",
            lambda c, _n, p: c.hold(reason=p["hold_reason"], until=p.get("until")),
            validate=_choice("hold_reason", HoldReason.values),
            payload=lambda p: {"hold_reason": p["hold_reason"], "until": p.get("until")},
        ),
        CaseTransition("release", "release", lambda c, _n, _p: c.release(), guard=_no_open_dispute),
        # The daily cycle's release: the same transition and audit action, only once the hold has ended.
        CaseTransition(
            "release_expired_hold",
            "release",
            lambda c, _n, _p: c.release(),
            guard=_hold_expired,
            action="case.release",
        ),
        CaseTransition(
            "charge_off",
            "charge_off",
            lambda c, _n, _p: c.charge_off(),
            guard=_charge_off_due,
            after=_mark_accounts_charged_off,
        ),
        CaseTransition(
            "close",
            "close",
            lambda c, n, p: c.close(reason=p["close_reason"], at=n),
            validate=_choice("close_reason", CloseReason.values),
            payload=lambda p: {"close_reason": p["close_reason"]},
        ),
    )
}


def transition_spec(name: str) -> CaseTransition:
    """The table row for ``name``; ``InvalidInput(code="unknown_transition")`` for another name."""
    spec = TRANSITIONS.get(name)
    if spec is None:
        raise InvalidInput(f"Unknown transition '{name}'.", code="unknown_transition")
    return spec


@dataclass(frozen=True)
class Step:
    """A further transition of ``case_transition_locked(then=...)``: applied after the first one, to the
    same rows, in the same write."""

    name: str
    reason: Reason = ""
    params: Params | None = None


def case_transition_locked(
    *,
    cases: Sequence[CollectionCase],
    name: str,
    actor: Actor,
    now: datetime,
    reason: Reason = "",
    params: Params | None = None,
    expected_state: str | None = None,
    skip_refused: bool = False,
    audit: list[PendingEvent] | None = None,
    then: Sequence[Step] = (),
) -> list[CollectionCase]:
    """Apply transition ``name`` (then each of ``then``, in order) to ``cases``, rows the caller locked
    (``kernel.locking``) in its still-open transaction; the objects are updated in place. Returns the
    cases that changed.

    For each case and step: the actor's scope and role, ``expected_state`` (before the first step), the
    guard, then the FSM. A refusal raises (``NotPermitted``, ``StaleState``, ``TransitionNotAllowed``,
    with the guard's code), unless ``skip_refused`` (one step only): then a case whose state or guard
    refuses is left as it is (the cycle: someone else moved it). Changed rows are written once, with one
    UPDATE per distinct set of new values, guarded by the state they were read in (the concurrency
    mixin's check, in bulk: a row changed behind the lock is a ``StaleState``); one audit event per case
    and step (``from``, ``to``, ``reason`` and the transition's arguments), appended to the chain here,
    or to ``audit`` for a caller that appends its own events with them in one write (the order is kept).
    """
    steps = [Step(name, reason, params), *then]
    specs = [transition_spec(step.name) for step in steps]
    for spec, step in zip(specs, steps, strict=True):
        if spec.validate is not None:
            spec.validate(step.params or {})
    if then and skip_refused:
        raise ValueError("a path of transitions is applied to every case or raises: no skip_refused")
    if not connection.in_atomic_block:
        raise RuntimeError("case_transition_locked needs the transaction that locked the cases")
    read_as = {case.pk: case.state for case in cases}
    current = list(cases)
    events: list[PendingEvent] = []
    afters: list[tuple[Callable[[list[CollectionCase]], None], list[CollectionCase]]] = []
    for index, (spec, step) in enumerate(zip(specs, steps, strict=True)):
        step_params = dict(step.params or {})
        extra = spec.payload(step_params)
        moved: list[CollectionCase] = []
        for case in current:
            check_actor(actor, case, step.name if spec.roles is not None else None, now)
            if index == 0 and expected_state is not None and case.state != expected_state:
                if skip_refused:
                    continue
                raise StaleState(
                    f"The case is now '{case.get_state_display()}', not '{expected_state}': someone else "
                    "changed it. Reload and try again."
                )
            previous = case.state
            try:
                if spec.guard is not None:
                    spec.guard(case, now)
                spec.call(case, now, step_params)
            except (TransitionNotAllowed, django_fsm.TransitionNotAllowed) as exc:
                if skip_refused:
                    continue
                if isinstance(exc, TransitionNotAllowed):
                    raise
                raise TransitionNotAllowed(
                    f"'{step.name}' is not allowed while the case is '{case.get_state_display()}'."
                ) from exc
            moved.append(case)
            why = step.reason(case) if callable(step.reason) else step.reason
            events.append(
                PendingEvent(
                    action=spec.audit_action,
                    case_id=case.pk,
                    actor=actor,
                    payload={"from": previous, "to": case.state, "reason": why, **extra},
                )
            )
        current = moved
        if spec.after is not None:
            afters.append((spec.after, moved))
    _save([(case, read_as[case.pk]) for case in current], now)
    if audit is not None:
        audit.extend(events)
    else:
        audit_append_many(events, at=now)
    case_tasks_close_finished(cases=current, actor=actor, now=now)  # issue 14: a finished case's tasks close
    # The work queue follows the state: a finished or held case leaves it, a resumed one returns.
    queue_refresh_cases_after_commit(case_ids=[c.pk for c in current], now=now)
    for after, moved in afters:
        if moved:
            after(moved)
    return current


def _save(changed: list[tuple[CollectionCase, str]], now: datetime) -> None:
    # One UPDATE per distinct (old state, new values): a batch usually shares one, and bulk_update's CASE
    # expression per row costs the cycle more CPU than the transitions themselves.
    groups: dict[tuple[Any, ...], list[CollectionCase]] = {}
    for case, previous in changed:
        key = (previous, *(getattr(case, f) for f in TRANSITION_FIELDS))
        groups.setdefault(key, []).append(case)
    for (previous, *values), group in groups.items():
        updated = CollectionCase.objects.filter(pk__any=[c.pk for c in group], state=previous).update(
            updated_at=now, **dict(zip(TRANSITION_FIELDS, values, strict=True))
        )
        if updated != len(group):
            raise StaleState("Another user changed this case at the same time. Reload and try again.")
        for case in group:
            case.updated_at = now
            case.state_saved()


def case_transition_many(
    *,
    case_ids: Sequence[int],
    name: str,
    actor: Actor,
    now: datetime,
    reason: Reason = "",
    params: Params | None = None,
    expected_state: str | None = None,
    skip_refused: bool = False,
) -> list[CollectionCase]:
    """Lock ``case_ids`` (id order, with account and customer) and apply ``name`` to each, as
    ``case_transition_locked`` says, in one transaction. Returns the changed cases.

    Without ``skip_refused`` every id must exist (``InvalidInput(code="not_found")``) and the first
    refusal rolls the whole batch back.
    """
    spec = transition_spec(name)
    if spec.validate is not None:
        spec.validate(params or {})
    if not case_ids:
        return []
    with transaction.atomic():
        cases = lock_cases(case_ids)
        if not skip_refused and len(cases) != len(set(case_ids)):
            missing = sorted(set(case_ids) - {c.pk for c in cases})
            raise InvalidInput(f"Case {missing[0]} does not exist.", code="not_found")
        return case_transition_locked(
            cases=cases,
            name=name,
            actor=actor,
            now=now,
            reason=reason,
            params=params,
            expected_state=expected_state,
            skip_refused=skip_refused,
        )


def case_transition(
    *,
    case_id: int,
    name: str,
    actor: Actor,
    reason: str = "",
    params: Params | None = None,
    expected_state: str | None = None,
    now: datetime | None = None,
) -> CollectionCase:
    """Trigger a hand transition (``MANUAL_TRANSITIONS``: the admin's buttons, the API) on one case:
    the batch form with one id. Returns the case in its new state.

    Raises ``InvalidInput`` (``unknown_transition`` for a name a person cannot trigger, ``not_found``, an
    unknown hold or close reason), ``NotPermitted`` (scope, role, agency licence), ``StaleState`` (the
    case is not in ``expected_state`` or changed concurrently) or ``TransitionNotAllowed`` (the state or
    the guard refuses). Not idempotent: a repeat is refused by the state machine.
    """
    if name not in MANUAL_TRANSITIONS:
        raise InvalidInput(f"Unknown transition '{name}'.", code="unknown_transition")
    return case_transition_one(
        case_id=case_id,
        name=name,
        actor=actor,
        reason=reason,
        params=params,
        expected_state=expected_state,
        now=now,
    )


def case_transition_one(
    *,
    case_id: int,
    name: str,
    actor: Actor,
    reason: str = "",
    params: Params | None = None,
    expected_state: str | None = None,
    now: datetime | None = None,
) -> CollectionCase:
    """Any transition of the table (service-only ones too) on one case: the batch form with one id."""
    (case,) = case_transition_many(
        case_ids=[case_id],
        name=name,
        actor=actor,
        now=now or timezone.now(),
        reason=reason,
        params=params,
        expected_state=expected_state,
    )
    return case
