"""The work queue page (issue 14): an agent starts the day here. One indexed read of ``QueueEntry``
ordered by the documented score (``services.queue``), scoped to the cases the user may see, with the
next-best action, whether the customer may be called now (else from when, in their time and UTC) and
one click into the case. No gate evaluation per row and no COUNT(*) over the whole table: pages are
fetched 50 rows at a time with one extra row to know whether there is a next page.

Filters: whose cases (mine / unassigned / everyone I may see), "can call now", and the next action.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from debt_collections import selectors
from debt_collections.admin.access import admin_user, can_work_cases
from debt_collections.admin.case_records import local_and_utc
from debt_collections.admin.display import money
from debt_collections.models import NextAction, QueueEntry
from debt_collections.policies.localtime import customer_zone
from debt_collections.services.queue import queue_refresh

PAGE = 50
WHO = {
    "mine": gettext_lazy("Assigned to me"),
    "unassigned": gettext_lazy("Unassigned"),
    "all": gettext_lazy("Every case I may see"),
}


def queue_rows(request: HttpRequest) -> dict[str, Any]:
    """The page's rows and filter state; raises ``PermissionDenied`` for a role that does not work cases."""
    user = admin_user(request)
    if user is None or not can_work_cases(user):
        raise PermissionDenied
    now = timezone.now()
    who = request.GET.get("who") or ("all" if user.is_supervisor or user.is_superuser else "mine")
    who = who if who in WHO else "mine"
    call_now = request.GET.get("call") == "now"
    action = request.GET.get("action", "")
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    entries: QuerySet[QueueEntry] = selectors.queue_entries_for(user, timezone.localdate(now))
    if who == "mine":
        entries = entries.filter(case__assignee=user)
    elif who == "unassigned":
        entries = entries.filter(case__assignee__isnull=True)
    if call_now:
        entries = entries.filter(QueueEntry.callable_at(now))
    if action in NextAction.values:
        entries = entries.filter(next_action=action)
    start = (page - 1) * PAGE
    page_of = entries.select_related("case__account", "case__customer", "case__assignee").order_by(
        "-score", "case"
    )
    rows = list(page_of[start : start + PAGE + 1])
    stale = [e.case_id for e in rows if e.refresh_at is not None and e.refresh_at <= now]
    if stale:
        # The periodic refresh has not reached these rows yet: recompute them before showing them, so the
        # page never shows a stretch that has ended (then read the page again: their scores may move).
        queue_refresh(case_ids=stale, now=now)
        rows = list(page_of[start : start + PAGE + 1])
    more = len(rows) > PAGE
    shown = []
    for entry in rows[:PAGE]:
        case = entry.case
        zone = customer_zone(case.customer)
        callable_now = entry.call_from is not None and (
            (entry.call_from <= now < (entry.call_until or now))
            or (
                entry.call_next_from is not None
                and entry.call_next_from <= now < (entry.call_next_until or now)
            )
        )
        upcoming = (
            entry.call_from if entry.call_from is not None and entry.call_from > now else entry.call_next_from
        )
        shown.append(
            {
                "entry": entry,
                "case": case,
                "url": reverse("admin:collections_collectioncase_change", args=[case.pk]),
                "total_due": money(case.account.total_due, case.account.currency),
                "callable_now": callable_now,
                "call_from": local_and_utc(upcoming, zone) if upcoming and not callable_now else "",
                "blocked_by": ", ".join(entry.call_blocked_by),
            }
        )
    return {
        "rows": shown,
        "who": who,
        "who_choices": list(WHO.items()),
        "call_now": call_now,
        "action": action,
        "actions": NextAction.choices,
        "page": page,
        "more": more,
        "now": now,
    }


@admin.register(QueueEntry)
class WorkQueueAdmin(admin.ModelAdmin[QueueEntry]):
    """The changelist is the work queue page; rows are written only by ``services.queue``."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_work_cases(admin_user(request))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return can_work_cases(admin_user(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            **queue_rows(request),
            "title": _("Work queue"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/collections/work_queue.html", context)
