"""Who may do what to a case: a pure table, so the admin, the API and the services agree."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from accounts.models import Role

if TYPE_CHECKING:
    from accounts.models import User
    from debt_collections.models import CollectionCase

# Transitions a person may trigger by hand. Plan transitions (start/complete/break) belong to the plan
# services and the daily cycle, so they are not in this table.
TRANSITION_ROLES: dict[str, frozenset[str]] = {
    "escalate": frozenset({Role.AGENT, Role.SUPERVISOR}),
    "engage": frozenset({Role.AGENT, Role.SUPERVISOR}),
    "hold": frozenset({Role.AGENT, Role.SUPERVISOR}),
    # A hold protects the customer; lifting it, writing off or closing needs a supervisor.
    "release": frozenset({Role.SUPERVISOR}),
    "resolve": frozenset({Role.SUPERVISOR}),
    "charge_off": frozenset({Role.SUPERVISOR}),
    "close": frozenset({Role.SUPERVISOR}),
}
MANUAL_TRANSITIONS: tuple[str, ...] = tuple(TRANSITION_ROLES)


def user_roles(user: User) -> set[str]:
    return {r for r in (Role.AGENT, Role.SUPERVISOR, Role.COMPLIANCE) if user.has_role(r)}


def agency_user_is_active(user: User, today: date) -> bool:
    """An agency user acts only while the agency's licence and contract are valid today."""
    return user.agency is None or user.agency.is_valid_on(today)


def can_see_case(user: User, case: CollectionCase) -> bool:
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    if user.agency_id is not None:
        return case.agency_id == user.agency_id
    return bool(user_roles(user))


def can_transition(user: User, transition: str) -> bool:
    """Role check only; scope (which cases) is ``can_see_case``; state is the FSM's business."""
    if user.is_superuser:
        return True
    allowed = TRANSITION_ROLES.get(transition, frozenset())
    return bool(user_roles(user) & allowed)
