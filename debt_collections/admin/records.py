"""Read-only admins for what hangs off a case: contact attempts, payments, disputes, audit events.

All of these are written only by services, so none has an add, change or delete form. Each list is
scoped to the cases the user may see (``selectors.case_list_for``). The dispute list is also the
compliance queue: open ones first by deadline, and a resolve page that calls ``dispute_resolve``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from debt_collections import services
from debt_collections.admin.access import CaseScopedReadOnlyAdminMixin, admin_user, can_read_audit
from debt_collections.admin.action_forms import DisputeResolveForm
from debt_collections.admin.display import money, summarize_payload
from debt_collections.admin.queues import DECISION_TEMPLATE, DefaultChoiceFilter, overdue_html
from debt_collections.errors import DomainError
from debt_collections.kernel.audit import Actor
from debt_collections.models import AuditEvent, ContactAttempt, Dispute, Payment


@admin.register(ContactAttempt)
class ContactAttemptAdmin(CaseScopedReadOnlyAdminMixin, admin.ModelAdmin[ContactAttempt]):
    list_display = (
        "placed_at",
        "case",
        "customer",
        "channel",
        "direction",
        "contact",
        "allowed",
        "blocked_by",
        "outcome",
        "agent",
        "agency",
    )
    list_filter = ("channel", "direction", "allowed", "outcome", "connected", "conversation")
    search_fields = ("customer__full_name", "agent__username")
    list_select_related = ("case", "customer", "contact_point", "agent", "agency")
    date_hierarchy = "placed_at"
    # The raw contact point would show the full number; the masked column is shown instead.
    exclude = ("contact_point",)
    readonly_fields = ("contact",)

    @admin.display(description=_("Contact point"))
    def contact(self, obj: ContactAttempt) -> str:
        return obj.contact_point.masked_value


@admin.register(Payment)
class PaymentAdmin(CaseScopedReadOnlyAdminMixin, admin.ModelAdmin[Payment]):
    # Unmatched payments (no case yet) belong to no agency: in-house staff only.
    include_caseless = True
    list_display = ("external_reference", "received_at", "amount_display", "account", "case", "recorded_by")
    list_filter = ("currency",)
    search_fields = ("=external_reference", "account__account_number", "account__customer__full_name")
    list_select_related = ("account", "case", "recorded_by")
    date_hierarchy = "received_at"

    @admin.display(description=_("Amount"), ordering="amount")
    def amount_display(self, obj: Payment) -> str:
        return money(obj.amount, obj.currency)


class DisputeStatusFilter(DefaultChoiceFilter):
    """Open ones by default: the queue; "All" for the history. Same parameter as a plain status filter."""

    title = _("status")
    parameter_name = "status__exact"
    field = "status"
    default = Dispute.Status.OPEN
    choices_list = tuple(Dispute.Status.choices)


def can_resolve_disputes(user: User | None) -> bool:
    """Compliance officers and supervisors decide disputes (``services.dispute_resolve`` checks it too)."""
    return user is not None and (user.is_superuser or user.is_compliance or user.is_supervisor)


@admin.register(Dispute)
class DisputeAdmin(CaseScopedReadOnlyAdminMixin, admin.ModelAdmin[Dispute]):
    """Open disputes and complaints, earliest answer deadline first, with a resolve page per dispute."""

    list_display = (
        "id",
        "case",
        "customer",
        "kind",
        "status",
        "channel",
        "opened_at",
        "sla_due",
        "resolved_at",
    )
    list_filter = (DisputeStatusFilter, "kind", "channel")
    search_fields = ("case__customer__full_name", "description")
    list_select_related = ("case", "case__customer")
    # Earliest deadline first: the compliance queue is worked in SLA order.
    ordering = ("sla_due_at", "pk")

    @admin.display(description=_("Customer"), ordering="case__customer__full_name")
    def customer(self, obj: Dispute) -> str:
        return obj.case.customer.full_name

    @admin.display(description=_("Answer due (UTC)"), ordering="sla_due_at")
    def sla_due(self, obj: Dispute) -> str:
        text = f"{obj.sla_due_at:%Y-%m-%d %H:%M}"
        if obj.resolved_at is None and timezone.now() > obj.sla_due_at:
            return overdue_html(text, gettext("overdue"))
        if obj.resolved_at is not None and obj.resolved_at > obj.sla_due_at:
            return overdue_html(text, gettext("answered late"))
        return text

    @admin.display(description=_("Decide"))
    def resolve_link(self, obj: Dispute) -> str:
        if obj.status != Dispute.Status.OPEN:
            return "—"
        url = reverse("admin:collections_dispute_resolve", args=[obj.pk], current_app=self.admin_site.name)
        return format_html('<a href="{}">{}</a>', url, gettext("Resolve…"))

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        base = list(super().get_list_display(request))
        return [*base, "resolve_link"] if can_resolve_disputes(admin_user(request)) else base

    def get_urls(self) -> list[URLPattern]:
        resolve = path(
            "<path:object_id>/resolve/",
            self.admin_site.admin_view(self.resolve_view),
            name="collections_dispute_resolve",
        )
        return [resolve, *super().get_urls()]

    def resolve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET: the dispute and the outcome form; POST: ``services.dispute_resolve``, then the queue.

        404 outside the user's scope, 403 for a role that does not decide disputes (agents).
        """
        dispute = self.get_object(request, unquote(object_id))
        if dispute is None:
            raise Http404(gettext("No such dispute."))
        user = admin_user(request)
        if user is None or not can_resolve_disputes(user):
            raise PermissionDenied
        form = DisputeResolveForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                services.dispute_resolve(
                    dispute_id=dispute.pk,
                    outcome=form.cleaned_data["outcome"],
                    outcome_text=form.cleaned_data["outcome_text"],
                    actor=Actor.for_user(user),
                )
            except DomainError as exc:
                messages.error(request, exc.message)  # shown on this page, with what was typed kept
            else:
                messages.success(
                    request,
                    gettext("Dispute #%(id)s decided; the outcome notice is queued to the customer.")
                    % {"id": dispute.pk},
                )
                return HttpResponseRedirect(
                    reverse("admin:collections_dispute_changelist", current_app=self.admin_site.name)
                )
        opts = self.model._meta
        amount = f"{dispute.disputed_amount} {dispute.disputed_component}" if dispute.disputed_amount else "—"
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Resolve dispute #%(id)s") % {"id": dispute.pk},
            "opts": opts,
            "app_label": opts.app_label,
            "details": [
                (gettext("Case"), str(dispute.case)),
                (gettext("Customer"), dispute.case.customer.full_name),
                (gettext("Kind"), dispute.get_kind_display()),
                (gettext("Status"), dispute.get_status_display()),
                (gettext("Raised by"), dispute.channel),
                (gettext("Description"), dispute.description or "—"),
                (gettext("Disputed amount"), amount),
                (gettext("Opened (UTC)"), f"{dispute.opened_at:%Y-%m-%d %H:%M}"),
                (gettext("Answer due (UTC)"), f"{dispute.sla_due_at:%Y-%m-%d %H:%M}"),
            ],
            "form": form,
            "submit": gettext("Decide"),
            "hidden": [],
            "cancel_url": reverse("admin:collections_dispute_changelist", current_app=self.admin_site.name),
        }
        return TemplateResponse(request, DECISION_TEMPLATE, context)


@admin.register(AuditEvent)
class AuditEventAdmin(CaseScopedReadOnlyAdminMixin, admin.ModelAdmin[AuditEvent]):
    """The raw chain, for supervisors and compliance. Nobody edits or deletes it, superusers included;
    the database triggers would refuse anyway, this keeps the admin from offering it."""

    # System events (daily cycle, chain maintenance) have no case; in-house oversight sees them.
    include_caseless = True
    list_display = ("chain", "seq", "at", "actor", "action", "case", "summary")
    list_filter = ("action",)
    search_fields = ("actor",)
    list_select_related = ("case",)
    ordering = ("-id",)  # newest first across chains (ids follow the order of appends)
    readonly_fields = (
        "chain",
        "seq",
        "at",
        "actor",
        "actor_user",
        "action",
        "case",
        "payload",
        "prev_hash",
        "hash",
    )

    @admin.display(description=_("Payload"))
    def summary(self, obj: AuditEvent) -> str:
        return summarize_payload(obj.payload)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_read_audit(admin_user(request))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return can_read_audit(admin_user(request))
