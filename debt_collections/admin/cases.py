"""The case admin: the agents' worklist and the case page with its transition buttons.

The case form itself is never saved: every field is read-only, the Save buttons are hidden and a POST
to the change page is refused. State, assignment and placement change only through the custom views of
``case_changes``, each of which calls one service (which locks, checks role/scope/state, audits) and
turns a ``DomainError`` into an admin message. django-fsm-2's admin mixin is deliberately not used: it would
call the ``@transition`` methods directly and skip the services.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from accounts.models import ContactPoint, Customer
from config.paging import EstimatedCountPaginator
from debt_collections import selectors
from debt_collections.admin.access import (
    admin_user,
    can_manage_cases,
    can_work_cases,
    has_staff_role,
)
from debt_collections.admin.case_actions import CaseActionsMixin
from debt_collections.admin.case_changes import TRANSITION_TEXT, CaseChangesMixin
from debt_collections.admin.display import money
from debt_collections.admin.dpd_order import CaseChangeList
from debt_collections.admin.filters import (
    AgencyFilter,
    AssignedToFilter,
    DaysPastDueFilter,
    NextActionDueFilter,
)
from debt_collections.admin.forms import (
    REASON_MAX_LENGTH,
    AssignForm,
    CaseActionForm,
    PlaceForm,
)
from debt_collections.admin.promises import PromiseActionsMixin
from debt_collections.admin.quarantine import RestoreNumberMixin
from debt_collections.admin.search import phone_search_candidates
from debt_collections.admin.timeline import timeline_context
from debt_collections.kernel.access import MANUAL_TRANSITIONS, can_see_case, can_transition
from debt_collections.models import CaseState, CloseReason, CollectionCase, HoldReason
from debt_collections.policies.localtime import customer_zone

if TYPE_CHECKING:
    pass


@admin.register(CollectionCase)
class CollectionCaseAdmin(
    CaseChangesMixin,
    CaseActionsMixin,
    PromiseActionsMixin,
    RestoreNumberMixin,
    admin.ModelAdmin[CollectionCase],
):
    list_display = (
        "id",
        "customer",
        "account",
        "state",
        "dpd",
        "total_due",
        "assignee",
        "agency",
        "next_action_at",
    )
    list_display_links = ("id", "customer")
    list_filter = (
        "state",
        DaysPastDueFilter,
        AssignedToFilter,
        # Only agencies the user may see: an agency user sees just its own name.
        ("agency", AgencyFilter),
        NextActionDueFilter,
    )
    list_select_related = ("account", "customer", "assignee", "agency")
    # Every sort offered reads an index (issue 13): the id, the state and the next action (case_state_idx,
    # case_next_action_idx; ties by id the same way, admin/dpd_order.py), days past due (two account
    # indexes, merged by admin/dpd_order.py); the default is newest first (case_opened_idx). A sort by a
    # joined name or number would sort every case on every page view, so those columns do not offer one.
    sortable_by = ("id", "state", "dpd", "next_action_at")
    # At a lender's scale a COUNT(*) over every case costs more than the page: no unfiltered count, and
    # the filtered one exact up to 10,000 then estimated (config.paging).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50  # rendering the rows is most of the page's time: 100 took twice as long
    search_fields = ("customer__full_name", "=account__account_number")
    search_help_text = gettext_lazy(
        "Customer name, phone number (13800001234 or +8613800001234) or exact account number."
    )
    actions = ("assign_selected", "place_selected")
    action_form = CaseActionForm
    fieldsets = (
        (None, {"fields": ("state", "customer", "account")}),
        (
            gettext_lazy("Hold and closure"),
            {"fields": ("hold_reason", "hold_until", "resume_state", "close_reason")},
        ),
        (gettext_lazy("Ownership"), {"fields": ("assignee", "agency")}),
        (gettext_lazy("Dates"), {"fields": ("opened_at", "closed_at", "next_action_at", "updated_at")}),
    )
    readonly_fields = (
        "state",
        "customer",
        "account",
        "hold_reason",
        "hold_until",
        "resume_state",
        "close_reason",
        "assignee",
        "agency",
        "opened_at",
        "closed_at",
        "next_action_at",
        "updated_at",
    )

    # --- list columns ------------------------------------------------------------------------

    def action_checkbox(self, obj: CollectionCase) -> SafeString:
        """The row's checkbox for the bulk actions, the same markup as Django's.

        Django renders it through ``forms.CheckboxInput`` and the form renderer's templates, which was a
        quarter of the list page's time (50 template renders per page); the markup is fixed, so it is
        formatted here instead (``test_admin_list.py`` compares it with Django's). The case's name is
        ``str(case)`` with the state's label read from a dict: ``get_state_display`` hashes every lazy
        label of the field's choices on each call, another tenth of the page for 50 rows.
        """
        case_name = f"Case #{obj.pk} ({_STATE_LABELS.get(obj.state, obj.state)})"
        label = format_html(_("Select this object for an action - {}"), case_name)
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            label,
        )

    @admin.display(description=gettext_lazy("DPD"), ordering="account__days_past_due")
    def dpd(self, obj: CollectionCase) -> int:
        return obj.account.days_past_due_today

    @admin.display(description=gettext_lazy("Total due"))
    def total_due(self, obj: CollectionCase) -> str:
        return money(obj.account.total_due, obj.account.currency)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[CaseChangeList]:
        return CaseChangeList

    # --- scope and permissions: from role groups, never from model permissions ------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[CollectionCase]:
        user = admin_user(request)
        if user is None:
            return CollectionCase.objects.none()
        return selectors.case_list_for(user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_staff_role(admin_user(request))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        user = admin_user(request)
        if user is None or not has_staff_role(user):
            return False
        return obj is None or (isinstance(obj, CollectionCase) and can_see_case(user, obj))

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # "Change" here means acting on the case through the services: agents and supervisors.
        user = admin_user(request)
        if user is None or not can_work_cases(user):
            return False
        return obj is None or (isinstance(obj, CollectionCase) and can_see_case(user, obj))

    def has_manage_permission(self, request: HttpRequest) -> bool:
        """Assignment and placement (the ``manage`` permission of the bulk actions)."""
        return can_manage_cases(admin_user(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Cases are opened by the daily cycle through services.case_open, never by hand.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    # --- search ------------------------------------------------------------------------------

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[CollectionCase], search_term: str
    ) -> tuple[QuerySet[CollectionCase], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        phones = phone_search_candidates(search_term)
        if phones:
            # EXISTS rather than a join: a customer with several numbers must not repeat the case row.
            has_phone = Exists(
                ContactPoint.objects.filter(
                    customer_id=OuterRef("customer_id"),
                    kind=ContactPoint.Kind.PHONE,
                    phone__in=sorted(phones),
                )
            )
            results = results | queryset.filter(has_phone)
        return results, may_have_duplicates

    # --- the change page ---------------------------------------------------------------------

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> CollectionCase | None:
        # The change page looks the case up twice (``_case_or_404``, then Django's change view): the
        # second time it is the one already read in this request (one query of four joined tables less).
        seen: dict[tuple[str, str | None], CollectionCase | None] = request.__dict__.setdefault(
            "_collections_cases", {}
        )
        if (object_id, from_field) not in seen:
            seen[(object_id, from_field)] = super().get_object(request, object_id, from_field)
        return seen[(object_id, from_field)]

    def _case_or_404(self, request: HttpRequest, object_id: str) -> CollectionCase:
        # Out of scope and nonexistent look the same: an agency user cannot probe for other cases.
        case = self.get_object(request, unquote(object_id))
        if case is None:
            raise Http404(_("No such case."))
        return case

    def _change_url(self, case_id: int) -> str:
        return reverse(
            "admin:collections_collectioncase_change", args=[case_id], current_app=self.admin_site.name
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        self._case_or_404(request, object_id)
        if request.method == "POST":
            # The form has no editable field; a save would only bypass the services.
            return HttpResponseNotAllowed(["GET"])
        no_save = {
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **no_save})

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: CollectionCase | None = None,
    ) -> HttpResponse:
        if obj is not None:
            context.update(self._case_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _case_context(self, request: HttpRequest, case: CollectionCase) -> dict[str, Any]:
        user = admin_user(request)
        customer, account = case.customer, case.account
        may_act = user is not None and self.has_change_permission(request, case)
        transitions = [
            {"name": name, "label": TRANSITION_TEXT[name][0], "help": TRANSITION_TEXT[name][1]}
            for name in MANUAL_TRANSITIONS
            if may_act
            and user is not None
            and can_proceed(getattr(case, name))
            and can_transition(user, name)
        ]
        may_manage = may_act and can_manage_cases(user)
        # Contact points, attempts, notices, plans, waivers, disputes, tasks and the forms (case_actions).
        actions = self.actions_context(request, case, may_act=may_act)
        return {
            **actions,
            **self.restore_context(request, case, actions["contact_points"]),  # a number back after "not me"
            **self.promises_context(case, may_act=may_act),  # issue 14: promises to pay
            "case": case,
            "customer": customer,
            "customer_local_time": _local_time(customer, timezone.now()),
            "account": account,
            "balances": [
                (_("Principal"), money(account.principal, account.currency)),
                (_("Interest"), money(account.interest, account.currency)),
                (_("Fees"), money(account.fees, account.currency)),
                (_("Penalty interest"), money(account.penalty_interest, account.currency)),
            ],
            "total_due": money(account.total_due, account.currency),
            **timeline_context(request, case),  # the latest events, or all with ?timeline=all
            "transitions": transitions,
            "reason_max_length": REASON_MAX_LENGTH,
            "hold_reasons": HoldReason.choices,
            "close_reasons": CloseReason.choices,
            "transition_url": reverse(
                "admin:collections_collectioncase_transition",
                args=[case.pk],
                current_app=self.admin_site.name,
            ),
            "may_manage": may_manage,
            "assign_form": AssignForm(
                agency_id=case.agency_id, auto_id="id_assign_%s", initial={"assignee": case.assignee_id}
            )
            if may_manage
            else None,
            "place_form": PlaceForm(auto_id="id_place_%s", initial={"agency": case.agency_id})
            if may_manage
            else None,
            "assign_url": reverse(
                "admin:collections_collectioncase_assign", args=[case.pk], current_app=self.admin_site.name
            ),
            "place_url": reverse(
                "admin:collections_collectioncase_place", args=[case.pk], current_app=self.admin_site.name
            ),
        }

    def save_model(self, request: HttpRequest, obj: CollectionCase, form: Any, change: bool) -> None:
        # Defence in depth behind change_view's refusal: a case is written only by services.
        raise PermissionDenied

    # --- custom views: each calls exactly one service ------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        def view(fn: Callable[..., HttpResponse], suffix: str) -> URLPattern:
            return path(
                f"<path:object_id>/{suffix}/",
                self.admin_site.admin_view(fn),
                name=f"collections_collectioncase_{suffix}",
            )

        # Before the defaults: their "<path:object_id>/" catch-all would swallow these URLs.
        custom = [
            view(self.transition_view, "transition"),
            view(self.assign_view, "assign"),
            view(self.place_view, "place"),
            *self.action_urls(),
            *self.promise_urls(),  # issue 14
            *self.restore_urls(),
        ]
        return custom + super().get_urls()

    def _acting_case(self, request: HttpRequest, object_id: str) -> CollectionCase:
        """The case for a POST view: 404 out of scope, 403 for a role that only views (compliance)."""
        case = self._case_or_404(request, object_id)
        if not self.has_change_permission(request, case):
            raise PermissionDenied
        return case


# The state labels (lazy: translated when shown) by value, for the list's checkboxes.
_STATE_LABELS = dict(CaseState.choices)


def _local_time(customer: Customer, now: datetime) -> str:
    """The customer's wall-clock time (``"08:11 CST"``), so an agent sees whether it is a sensible hour.

    Formatted here: the template's date filters would convert it back to the admin's time zone.
    """
    try:
        return timezone.localtime(now, customer_zone(customer)).strftime("%H:%M %Z")
    except (KeyError, ValueError):  # an unknown zone or pack: say nothing rather than guess
        return ""
