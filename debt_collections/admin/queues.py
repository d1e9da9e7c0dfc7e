"""Work queues: pending waivers and open case tasks, plus the helpers the other queues share.

Rows are read-only (written only by services); the queue's admin actions call one service per row, each
in its own transaction, and report every row's result or refusal, so one four-eyes or authority refusal
does not hide the rows that went through. An action that needs a reason (reject) first shows an
intermediate page with the reason field, like Django's own delete confirmation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from debt_collections import services
from debt_collections.admin.access import CaseScopedReadOnlyAdminMixin, admin_user, can_work_cases
from debt_collections.admin.action_forms import NoteForm
from debt_collections.admin.case_columns import SEARCH_HELP, CaseColumnsMixin
from debt_collections.errors import DomainError
from debt_collections.kernel.audit import Actor
from debt_collections.models import CaseTask, FeeWaiver, WaiverState

DECISION_TEMPLATE = "admin/collections/decision_form.html"


# --- shared by every queue ---------------------------------------------------------------------------


class DefaultChoiceFilter(admin.SimpleListFilter):
    """A filter that starts on ``default`` (the queue's working view), with an explicit "All" choice.

    Django's own "All" link means "no parameter", which here would be the default again, so it is
    replaced by ``ALL``. Subclasses give ``choices_list`` and, if the value is not a plain field value,
    override ``filter``.
    """

    ALL = "all"
    default: str = ""
    field: str = ""
    choices_list: tuple[tuple[str, Any], ...] = ()

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [*self.choices_list, (self.ALL, gettext_lazy("All"))]

    def value(self) -> str:
        return super().value() or self.default

    def choices(self, changelist: Any) -> Iterator[Any]:
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = self.value()
        if value == self.ALL:
            return queryset
        return self.filter(queryset, value)

    def filter(self, queryset: QuerySet[Any], value: str) -> QuerySet[Any]:
        return queryset.filter(**{self.field: value})


def overdue_html(text: str, note: str) -> str:
    """``text (note)`` in bold error colour: the word says it too, not only the colour."""
    return format_html('<strong style="color: var(--error-fg)">{} ({})</strong>', text, note)


def run_each(
    request: HttpRequest,
    rows: Iterable[Model],
    call: Callable[[Model, Actor], object],
    *,
    done: str,
    not_done: str,
) -> None:
    """``call`` each row with the user as actor, one service call (one transaction) per row.

    One success message lists the rows that went through (``done`` with ``%(rows)s``) and one error
    message names each refused row with the service's reason (``not_done`` with ``%(rows)s``).
    """
    user = admin_user(request)
    assert user is not None  # noqa: S101  (admin_view guarantees a staff user)
    actor = Actor.for_user(user)
    ok: list[str] = []
    refused: list[str] = []
    for row in rows:
        try:
            call(row, actor)
        except DomainError as exc:
            refused.append(f"#{row.pk}: {exc.message}")
        else:
            ok.append(f"#{row.pk}")
    if ok:
        messages.success(request, done % {"rows": ", ".join(ok)})
    if refused:
        messages.error(request, not_done % {"rows": " ".join(refused)})


def decision_page(
    modeladmin: admin.ModelAdmin[Any],
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    action: str,
    title: str,
    form: forms.Form,
    submit: str,
) -> TemplateResponse:
    """The intermediate page of an action that needs input: the rows, the form, and hidden fields that
    post the same action back to the changelist (which then calls the action again with ``apply``)."""
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": opts,
        "app_label": opts.app_label,
        "rows": list(queryset),
        "form": form,
        "submit": submit,
        "hidden": [("action", action), ("apply", "yes")]
        + [(helpers.ACTION_CHECKBOX_NAME, str(pk)) for pk in queryset.values_list("pk", flat=True)],
        "cancel_url": request.get_full_path(),
    }
    return TemplateResponse(request, DECISION_TEMPLATE, context)


def note_action(
    modeladmin: admin.ModelAdmin[Any],
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    action: str,
    title: str,
    submit: str,
    apply: Callable[[str], None],
) -> TemplateResponse | None:
    """An action that asks for a note first: the page on the first call, ``apply(note)`` on the second."""
    if request.POST.get("apply") == "yes":
        form = NoteForm(request.POST)
        if form.is_valid():
            apply(form.cleaned_data["note"])
            return None
    else:
        form = NoteForm()
    return decision_page(modeladmin, request, queryset, action=action, title=title, form=form, submit=submit)


class QueueAdminMixin(CaseScopedReadOnlyAdminMixin):
    """A read-only, case-scoped list whose actions are for people who work cases (the ``work``
    permission of the actions: agents and supervisors; the services check the rest)."""

    def has_work_permission(self, request: HttpRequest) -> bool:
        return can_work_cases(admin_user(request))


# --- pending waivers ---------------------------------------------------------------------------------


class WaiverStateFilter(DefaultChoiceFilter):
    title = gettext_lazy("state")
    parameter_name = "state__exact"
    field = "state"
    default = WaiverState.REQUESTED
    choices_list = tuple(WaiverState.choices)


@admin.register(FeeWaiver)
class FeeWaiverAdmin(CaseColumnsMixin, QueueAdminMixin, admin.ModelAdmin[FeeWaiver]):
    """The maker-checker queue: requests waiting for a decision, oldest first.

    Approve and reject call the services, which enforce who may decide (not the requester; an agent
    only up to the policy's limit; supervisors above it) and say why not.
    """

    list_display = (
        "id",
        "case_link",
        "component",
        "amount_display",
        "currency",
        "requested_by_display",
        "hardship",
        "requested_at",
        "state",
    )
    list_filter = (WaiverStateFilter, "component", "hardship")
    list_select_related = ("case", "case__account", "requested_by_user")
    search_fields = ("case__customer__full_name", "=case__account__account_number")
    search_help_text = SEARCH_HELP
    ordering = ("requested_at", "pk")
    actions = ("approve_selected", "reject_selected")

    @admin.display(description=gettext_lazy("Amount"), ordering="amount")
    def amount_display(self, obj: FeeWaiver) -> str:
        return f"{obj.amount:,}"

    @admin.display(description=gettext_lazy("Currency"))
    def currency(self, obj: FeeWaiver) -> str:
        return obj.case.account.currency

    @admin.display(description=gettext_lazy("Requested by"), ordering="requested_by")
    def requested_by_display(self, obj: FeeWaiver) -> str:
        if obj.requested_by_user is not None:
            return obj.requested_by_user.username
        if obj.requested_by.startswith("link:"):
            return str(_("The customer (negotiation page)"))
        return obj.requested_by

    @admin.action(description=gettext_lazy("Approve the selected waivers"), permissions=["work"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[FeeWaiver]) -> None:
        run_each(
            request,
            queryset,
            lambda row, actor: services.waiver_approve(waiver_id=row.pk, actor=actor),
            done=_("Approved and applied: %(rows)s."),
            not_done=_("Not approved: %(rows)s"),
        )

    @admin.action(
        description=gettext_lazy("Reject the selected waivers (asks for a reason)"), permissions=["work"]
    )
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[FeeWaiver]) -> TemplateResponse | None:
        def apply(note: str) -> None:
            run_each(
                request,
                queryset,
                lambda row, actor: services.waiver_reject(waiver_id=row.pk, actor=actor, note=note),
                done=_("Rejected: %(rows)s."),
                not_done=_("Not rejected: %(rows)s"),
            )

        return note_action(
            self,
            request,
            queryset,
            action="reject_selected",
            title=_("Reject waivers"),
            submit=_("Reject"),
            apply=apply,
        )


# --- tasks ------------------------------------------------------------------------------------------


class TaskStatusFilter(DefaultChoiceFilter):
    title = gettext_lazy("status")
    parameter_name = "status"
    default = "open"
    choices_list = (("open", gettext_lazy("Open")), ("done", gettext_lazy("Done")))

    def filter(self, queryset: QuerySet[Any], value: str) -> QuerySet[Any]:
        return queryset.filter(done_at__isnull=value == "open")


class TaskAssigneeFilter(admin.SimpleListFilter):
    """Tasks are not assigned themselves: they follow their case's assignee."""

    title = gettext_lazy("case assigned to")
    parameter_name = "assigned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("mine", gettext_lazy("Me")), ("unassigned", gettext_lazy("Nobody (unassigned)"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() == "mine":
            return queryset.filter(case__assignee_id=request.user.pk)
        if self.value() == "unassigned":
            return queryset.filter(case__assignee__isnull=True)
        return None


@admin.register(CaseTask)
class CaseTaskAdmin(CaseColumnsMixin, QueueAdminMixin, admin.ModelAdmin[CaseTask]):
    """Callbacks to make, contacts to find, hardship requests to review: the one due first on top."""

    list_display = ("due", "kind", "case_link", "customer", "assignee", "note", "done_at", "done_by")
    list_filter = (TaskStatusFilter, TaskAssigneeFilter, "kind")
    list_select_related = ("case", "case__customer", "case__assignee", "done_by")
    search_fields = ("case__customer__full_name", "=case__account__account_number", "note")
    search_help_text = SEARCH_HELP
    ordering = ("due_at", "pk")
    actions = ("mark_done",)

    @admin.display(description=gettext_lazy("Due (UTC)"), ordering="due_at")
    def due(self, obj: CaseTask) -> str:
        text = f"{obj.due_at:%Y-%m-%d %H:%M}"
        if obj.done_at is None and obj.due_at < timezone.now():
            return overdue_html(text, _("overdue"))
        return text

    @admin.display(description=gettext_lazy("Customer"), ordering="case__customer__full_name")
    def customer(self, obj: CaseTask) -> str:
        return obj.case.customer.full_name

    @admin.display(description=gettext_lazy("Case assignee"), ordering="case__assignee__username")
    def assignee(self, obj: CaseTask) -> str:
        return obj.case.assignee.username if obj.case.assignee is not None else "—"

    @admin.action(description=gettext_lazy("Mark the selected tasks done"), permissions=["work"])
    def mark_done(self, request: HttpRequest, queryset: QuerySet[CaseTask]) -> None:
        run_each(
            request,
            queryset,
            lambda row, actor: services.task_complete(task_id=row.pk, actor=actor),
            done=_("Done: %(rows)s."),
            not_done=_("Not marked done: %(rows)s"),
        )
