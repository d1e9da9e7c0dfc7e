"""Who may do what to a case: pure tables, so the admin, the API, the customer page, Celery tasks and the
services agree. The README's security section mirrors ``ACTION_ROLES`` and ``TRANSITION_ROLES``; the
services check them (``kernel.locking.check_actor(..., action=...)``), the entry points only hide what
the service would refuse."""

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

# The group of the payments-system service account (a token user, not staff): it records payments and
# does nothing else. Not a ``Role`` (no case scope, no admin, no workspace).
PAYMENTS_SYSTEM = "payments_system"

_WORKERS = frozenset({Role.AGENT, Role.SUPERVISOR})

# Every write a person may make, by role. Compliance officers change nothing on cases: they review,
# decide disputes and lift quarantines. Superusers pass every check (they are the operators' break-glass
# account, audited like anyone). Role checks only: scope, agency licence, state, authority limits and
# four-eyes rules are checked by the services on top.
ACTION_ROLES: dict[str, frozenset[str]] = {
    "contact.log": _WORKERS,
    "notice.queue": _WORKERS,
    "link.send": _WORKERS,
    "link.revoke": _WORKERS,
    "callback.request": _WORKERS,
    "task.complete": _WORKERS,
    "plan.negotiate": _WORKERS,
    "waiver.request": _WORKERS,
    "waiver.decide": _WORKERS,  # agents up to the pack's authority limit, never their own request
    "dispute.open": _WORKERS,
    "dispute.resolve": frozenset({Role.SUPERVISOR, Role.COMPLIANCE}),
    "payment.record": frozenset({Role.SUPERVISOR, PAYMENTS_SYSTEM}),
    "case.reassign": frozenset({Role.SUPERVISOR}),
    "case.place": frozenset({Role.SUPERVISOR}),
    "quarantine.lift": frozenset({Role.SUPERVISOR, Role.COMPLIANCE}),
    # Restoring a wrongly quarantined number for its own customer, after an identity check elsewhere.
    "quarantine.release": frozenset({Role.SUPERVISOR, Role.COMPLIANCE}),
    "credit_report.correct": frozenset({Role.SUPERVISOR, Role.COMPLIANCE}),
    "limit.change": _WORKERS,  # in-house only (the service refuses agency users)
    "limit.review": frozenset({Role.SUPERVISOR}),
    "template.approve": frozenset({Role.COMPLIANCE}),
}


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


def may(user: User, action: str) -> bool:
    """True when one of ``user``'s roles allows ``action`` (a key of ``ACTION_ROLES``); role only."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    allowed = ACTION_ROLES[action]  # a KeyError is a programming error: every action is in the table
    roles = user_roles(user)
    if PAYMENTS_SYSTEM in allowed and user.has_role(PAYMENTS_SYSTEM):
        roles.add(PAYMENTS_SYSTEM)
    return bool(roles & allowed)


def is_payments_system(user: User) -> bool:
    """The payments-system service account: an active user in the ``payments_system`` group."""
    return bool(user.is_authenticated and user.is_active and user.has_role(PAYMENTS_SYSTEM))


def can_transition(user: User, transition: str) -> bool:
    """Role check only; scope (which cases) is ``can_see_case``; state is the FSM's business."""
    if user.is_superuser:
        return True
    allowed = TRANSITION_ROLES.get(transition, frozenset())
    return bool(user_roles(user) & allowed)
