"""Scoped ids: every id that arrives from outside is resolved here, for the caller, inside the service.

An id from a path or a body is looked up only among the rows the actor may reach: a case of their
agency (agency users) or any case (in-house staff with a collections role); a contact point of the
case's own customer; a plan, waiver, dispute or limit change on a case they may see. Unknown and out of
scope are the same answer, ``errors.NotFound`` (the API's 404, the admin's form error), raised before
anything is stored or echoed, so a probe learns nothing from the difference.

System actors (the daily cycle, the payments feed, a customer's own link) carry no user: their entry
point already chose the row, so they resolve by id alone, but a contact point must still belong to the
case's customer whoever asks.
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from accounts.models import ContactPoint, CreditAccount, CreditLimitChange, User
from debt_collections.errors import NotFound
from debt_collections.kernel.access import agency_user_is_active, user_roles
from debt_collections.kernel.audit import Actor
from debt_collections.models import CollectionCase, Dispute, FeeWaiver, RepaymentPlan

M = TypeVar("M", bound=Model)


NOTHING = Q(pk__in=[])


def row_scope(user: User | None, agency_lookup: str | None, today: date | None = None) -> Q:
    """The one scope rule, for any model: the filter for the rows ``user`` may reach, where
    ``agency_lookup`` is the ORM path from the model to the owning agency's id (``"agency_id"`` on a
    case, ``"cases__agency_id"`` on a customer; ``None``: agency users reach none of this model).

    ``None`` (a system actor) and active superusers reach every row; inactive, anonymous and non-staff
    users none; an agency user only their agency's rows, and none at all when ``today`` is given and the
    agency's licence or contract does not cover it (a lapsed placement shows nothing); in-house staff
    with a collections role every row; staff without a role none. Without ``today`` the licence is not
    looked at: only for resolving the case of a call or notice, where the gate decides the licence and
    records its ``AGENCY_LICENCE`` decision, and inside services that check it (``check_actor``).
    Multi-valued lookups can repeat rows: the caller adds ``distinct()``.
    """
    if user is None or (user.is_active and user.is_superuser):
        return Q()
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return NOTHING
    if user.agency_id is not None:
        if agency_lookup is None or (today is not None and not agency_user_is_active(user, today)):
            return NOTHING
        return Q(**{agency_lookup: user.agency_id})
    if user_roles(user):
        return Q()
    return NOTHING


def case_scope(user: User | None, today: date | None = None) -> Q:
    """The filter on ``CollectionCase`` for what ``user`` may reach (``row_scope``; with ``today``, what
    they may read today)."""
    return row_scope(user, "agency_id", today)


def cases_for(user: User | None) -> QuerySet[CollectionCase]:
    return CollectionCase.objects.filter(case_scope(user))


def _scoped(queryset: QuerySet[M], actor: Actor, pk: object, what: str, case_path: str = "case") -> M:
    if not isinstance(pk, int) or isinstance(pk, bool):
        try:
            pk = int(str(pk))
        except ValueError:
            raise NotFound(f"{what} not found.") from None
    rows = queryset.filter(pk=pk)
    if actor.user is not None:
        rows = rows.filter(**{f"{case_path}__in": cases_for(actor.user).values("pk")})
    row = rows.first()
    if row is None:
        raise NotFound(f"{what} not found.")
    return row


def resolve_case(actor: Actor, case_id: object) -> CollectionCase:
    """The case ``case_id`` if ``actor`` may reach it; else ``NotFound``. Not locked."""
    return _scoped(
        CollectionCase.objects.select_related("account", "customer"), actor, case_id, "Case", case_path="pk"
    )


def resolve_contact_point(case: CollectionCase, point_id: object) -> ContactPoint:
    """One of the case's customer's own contact points; anyone else's is ``NotFound`` (never echoed)."""
    try:
        pk = int(str(point_id))
    except ValueError:
        raise NotFound("Contact point not found.") from None
    points = ContactPoint.objects.filter(pk=pk, customer_id=case.customer_id)
    point = points.select_related("customer").first()
    if point is None:
        raise NotFound("Contact point not found.")
    return point


def resolve_account(actor: Actor, account_id: object) -> CreditAccount:
    """The credit account if ``actor`` may reach it: agency users only through a case placed with them,
    in-house staff with a collections role any account, the payments-system account any account (it
    records payments by account number, it reads nothing back but the payment)."""
    try:
        pk = int(str(account_id))
    except ValueError:
        raise NotFound("Account not found.") from None
    accounts = CreditAccount.objects.filter(pk=pk).select_related("customer")
    user = actor.user
    if user is not None and not user.is_superuser:
        from debt_collections.kernel.access import is_payments_system

        if user.agency_id is not None:
            accounts = accounts.filter(cases__agency_id=user.agency_id)
        elif not (user.is_staff and user_roles(user)) and not is_payments_system(user):
            accounts = accounts.none()
    account = accounts.distinct().first()
    if account is None:
        raise NotFound("Account not found.")
    return account


def resolve_plan(actor: Actor, plan_id: object) -> RepaymentPlan:
    return _scoped(RepaymentPlan.objects.select_related("case"), actor, plan_id, "Plan")


def resolve_waiver(actor: Actor, waiver_id: object) -> FeeWaiver:
    return _scoped(FeeWaiver.objects.select_related("case"), actor, waiver_id, "Waiver")


def resolve_dispute(actor: Actor, dispute_id: object) -> Dispute:
    return _scoped(Dispute.objects.select_related("case"), actor, dispute_id, "Dispute")


def resolve_limit_change(actor: Actor, change_id: object) -> CreditLimitChange:
    """A limit change on an account the actor may reach (agency users: through a case placed with them)."""
    pk = _int_or_none(change_id)
    change = CreditLimitChange.objects.filter(pk=pk).first() if pk is not None else None
    if change is None:
        raise NotFound("Limit change not found.")
    resolve_account(actor, change.account_id)  # NotFound when the account is out of scope
    return change


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
