"""Reads, scoped to the caller: every queryset a person sees comes from here."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from debt_collections.models import AuditEvent, CollectionCase
from debt_collections.permissions import user_roles


def case_list_for(user: User) -> QuerySet[CollectionCase]:
    """Cases the user may see.

    Agency users see only their agency's cases; in-house agents, supervisors and compliance officers
    see every case; anyone else (anonymous, staff without a collections role) sees none.
    """
    qs = CollectionCase.objects.select_related("account", "customer", "assignee", "agency")
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return qs.none()
    if user.is_superuser:
        return qs
    if user.agency_id is not None:
        return qs.filter(agency_id=user.agency_id)
    if user_roles(user):
        return qs
    return qs.none()


def case_timeline(case: CollectionCase) -> QuerySet[AuditEvent]:
    """Every audit event of a case, oldest first."""
    return AuditEvent.objects.filter(case_id=case.pk).order_by("seq")
