"""Who may see and do what in the collections admin, from the user's role groups.

The case-level rules (which cases, which transitions) are ``debt_collections.kernel.access`` and
``selectors``; this module only adds the admin-specific questions (may this person use the change
page, manage assignments, read the audit log) and scopes the records that hang off a case.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

from accounts.admin import admin_user, has_staff_role
from accounts.models import User
from debt_collections import selectors

__all__ = [
    "CaseScopedReadOnlyAdminMixin",
    "admin_user",
    "can_manage_cases",
    "can_read_audit",
    "can_work_cases",
    "has_staff_role",
    "scope_by_case",
]


def can_work_cases(user: User | None) -> bool:
    """Agents and supervisors act on cases; compliance officers only look (and audit)."""
    return user is not None and (user.is_superuser or user.is_agent or user.is_supervisor)


def can_manage_cases(user: User | None) -> bool:
    """Assignment and agency placement are supervisor decisions (the services enforce it too)."""
    return user is not None and (user.is_superuser or user.is_supervisor)


def can_read_audit(user: User | None) -> bool:
    """The raw audit log is for oversight; agents see each case's timeline on the case page instead."""
    return user is not None and (user.is_superuser or user.is_supervisor or user.is_compliance)


def scope_by_case(
    qs: QuerySet[Any], user: User | None, *, field: str = "case", include_caseless: bool = False
) -> QuerySet[Any]:
    """Rows whose case the user may see (``selectors.case_list_for``).

    ``include_caseless`` also admits rows without a case (payments not yet matched, system audit
    events) for in-house staff; agency users never see those, since nothing ties them to the agency.
    """
    if user is None or not has_staff_role(user):
        return qs.none()
    condition = Q(**{f"{field}__in": selectors.case_list_for(user).values("pk")})
    if include_caseless and user.agency_id is None:
        condition |= Q(**{f"{field}__isnull": True})
    return qs.filter(condition)


class CaseScopedReadOnlyAdminMixin:
    """List, search and view for staff roles, scoped to visible cases; no add, change or delete.

    These records are written only by services (each with its audit event), so the admin never
    offers a form that could bypass them, not even to superusers.
    """

    case_field: str = "case"
    include_caseless: bool = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        return scope_by_case(
            qs, admin_user(request), field=self.case_field, include_caseless=self.include_caseless
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_staff_role(admin_user(request))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return has_staff_role(admin_user(request))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
