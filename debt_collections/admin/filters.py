"""List filters for the case worklist."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency, days_past_due_q
from debt_collections.admin.access import admin_user
from debt_collections.kernel.scope import row_scope
from debt_collections.models import TERMINAL, CollectionCase

# Delinquency buckets as collections teams report them; the upper bound is inclusive, None = open.
DPD_BUCKETS: dict[str, tuple[int, int | None]] = {
    "1-29": (1, 29),
    "30-59": (30, 59),
    "60-89": (60, 89),
    "90-179": (90, 179),
    "180+": (180, None),
}


class DaysPastDueFilter(admin.SimpleListFilter):
    title = _("days past due")
    parameter_name = "dpd"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, key) for key in DPD_BUCKETS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        bounds = DPD_BUCKETS.get(self.value() or "")
        if bounds is None:
            return None
        low, high = bounds
        today = timezone.localdate()
        return queryset.filter(days_past_due_q(low, high, today=today, prefix="account__"))


class AssignedToFilter(admin.SimpleListFilter):
    """ "Mine" is the agent's worklist; "unassigned" is the supervisor's queue to hand out."""

    title = _("assigned to")
    parameter_name = "assigned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("mine", str(_("Me"))), ("unassigned", str(_("Nobody (unassigned)")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() == "mine":
            return queryset.filter(assignee_id=request.user.pk)
        if self.value() == "unassigned":
            return queryset.filter(assignee__isnull=True)
        return None


class NextActionDueFilter(admin.SimpleListFilter):
    """When the case's next scheduled action falls.

    ``next_action_at`` is staff scheduling, so "today" is the admin's active time zone (UTC in
    this deployment), not the customer's: contact hours in the customer's zone are the gate's job.
    "Next 7 days" includes the rest of today.
    """

    title = _("next action due")
    parameter_name = "next_action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("overdue", str(_("Overdue"))),
            ("today", str(_("Later today"))),
            ("week", str(_("Next 7 days"))),
            ("none", str(_("None scheduled"))),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = self.value()
        if value == "none":
            return queryset.filter(next_action_at__isnull=True)
        now = timezone.now()  # read once: the three ranges below must not drift apart
        start_of_tomorrow = datetime.combine(
            timezone.localdate(now) + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone()
        )
        if value == "overdue":
            return queryset.filter(CollectionCase.next_action_overdue_q(now))
        # A finished case has no next action, whatever the column still holds.
        still_open = ~Q(state__in=TERMINAL)
        if value == "today":
            return queryset.filter(still_open, next_action_at__gte=now, next_action_at__lt=start_of_tomorrow)
        if value == "week":
            return queryset.filter(
                still_open, next_action_at__gte=now, next_action_at__lt=start_of_tomorrow + timedelta(days=6)
            )
        return None


class AgencyFilter(admin.RelatedFieldListFilter):
    """The agencies the user may see: their own for an agency user, every agency for in-house staff.

    Django's ``RelatedOnlyFieldListFilter`` listed the agencies that appear in the user's cases, a
    ``DISTINCT`` over every case on every page view (issue 13); the scope rule gives the same list for an
    agency user and, for in-house staff, also agencies that hold no case yet, from the small agency table.
    """

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        agencies = Agency.objects.filter(row_scope(admin_user(request), "pk", timezone.localdate()))
        return [(str(agency.pk), str(agency)) for agency in agencies.order_by("name")]
