"""Row locks every write takes before it checks anything.

A service locks the rows it changes first (``SELECT … FOR UPDATE``), then checks the actor, the state
and the guard against what it locked, so two users can never both pass a check on the same old row.
Locks are always taken in id order (cases before the audit chain head) so concurrent writers cannot
deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from debt_collections.errors import InvalidInput, NotPermitted
from debt_collections.kernel.access import agency_user_is_active, can_see_case, can_transition, may
from debt_collections.kernel.audit import Actor
from debt_collections.models import CollectionCase


def lock_case(case_id: int) -> CollectionCase:
    """Lock one case row (with its account and customer) for the rest of the transaction.

    Raises ``InvalidInput(code="not_found")`` when there is no such case.
    """
    try:
        return (
            CollectionCase.objects.select_for_update().select_related("account", "customer").get(pk=case_id)
        )
    except CollectionCase.DoesNotExist as exc:
        raise InvalidInput(f"Case {case_id} does not exist.", code="not_found") from exc


def lock_cases(case_ids: Iterable[int]) -> list[CollectionCase]:
    """Lock the case rows that exist among ``case_ids`` (with account and customer), in id order so two
    batches never wait on each other crosswise. Missing ids are left out; the caller decides."""
    return list(
        CollectionCase.objects.select_for_update()
        .select_related("account", "customer")
        .filter(pk__in=list(case_ids))
        .order_by("pk")
    )


def check_actor(
    actor: Actor,
    case: CollectionCase,
    transition_name: str | None,
    now: datetime,
    *,
    action: str | None = None,
    licence_by_gate: bool = False,
) -> None:
    """Refuse a person who may not act on this case (scope, agency licence today, role for the transition
    or for ``action``, a key of ``access.ACTION_ROLES``).

    System actors (the daily cycle, the payments feed, the customer's own link) carry no user and are
    checked by the entry point that speaks for them. With ``licence_by_gate`` (calls and notices) the
    agency licence is left to the compliance gate, whose ``AGENCY_LICENCE`` decision is stored and
    audited, instead of a refusal that leaves no record.
    """
    user = actor.user
    if user is None:
        return
    if not can_see_case(user, case):
        raise NotPermitted("You cannot act on this case.")
    if not licence_by_gate and not agency_user_is_active(user, timezone.localdate(now)):
        raise NotPermitted("Your agency's licence or contract is not valid today.", code="agency_licence")
    if transition_name is not None and not can_transition(user, transition_name):
        raise NotPermitted(f"Your role does not allow '{transition_name}'.")
    if action is not None and not may(user, action):
        raise NotPermitted(f"Your role does not allow '{action}'.")


def require_action(actor: Actor, action: str) -> None:
    """Refuse a person whose role does not allow ``action`` (no case involved, e.g. a payment without an
    open case). System actors pass: their entry point speaks for them."""
    if actor.user is not None and not may(actor.user, action):
        raise NotPermitted(f"Your role does not allow '{action}'.")
