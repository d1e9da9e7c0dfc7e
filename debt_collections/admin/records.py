"""Read-only admins for what hangs off a case: contact attempts, payments, disputes, audit events.

All of these are written only by services, so none has an add, change or delete form. Each list is
scoped to the cases the user may see (``selectors.case_list_for``).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from debt_collections.admin.access import CaseScopedReadOnlyAdminMixin, admin_user, can_read_audit
from debt_collections.admin.display import money, summarize_payload
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


@admin.register(Dispute)
class DisputeAdmin(CaseScopedReadOnlyAdminMixin, admin.ModelAdmin[Dispute]):
    list_display = (
        "id",
        "case",
        "kind",
        "status",
        "channel",
        "opened_at",
        "sla_due_at",
        "sla_breached",
        "resolved_at",
    )
    list_filter = ("status", "kind", "channel")
    search_fields = ("case__customer__full_name", "description")
    list_select_related = ("case",)
    # Earliest deadline first: the compliance queue is worked in SLA order.
    ordering = ("sla_due_at", "pk")

    @admin.display(boolean=True, description=_("SLA breached"))
    def sla_breached(self, obj: Dispute) -> bool:
        due_by = obj.resolved_at or timezone.now()
        return due_by > obj.sla_due_at


@admin.register(AuditEvent)
class AuditEventAdmin(CaseScopedReadOnlyAdminMixin, admin.ModelAdmin[AuditEvent]):
    """The raw chain, for supervisors and compliance. Nobody edits or deletes it, superusers included;
    the database triggers would refuse anyway, this keeps the admin from offering it."""

    # System events (daily cycle, chain maintenance) have no case; in-house oversight sees them.
    include_caseless = True
    list_display = ("seq", "at", "actor", "action", "case", "summary")
    list_filter = ("action",)
    search_fields = ("actor",)
    list_select_related = ("case",)
    ordering = ("-seq",)
    readonly_fields = ("seq", "at", "actor", "actor_user", "action", "case", "payload", "prev_hash", "hash")

    @admin.display(description=_("Payload"))
    def summary(self, obj: AuditEvent) -> str:
        return summarize_payload(obj.payload)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_read_audit(admin_user(request))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return can_read_audit(admin_user(request))
