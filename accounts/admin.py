"""Admin for people and credit: staff users, agencies, customers, credit accounts, limit changes.

Role logic lives in code, not in Django model permissions: the seeded groups (agent, supervisor,
compliance) carry no per-model permissions, and a role's reach must not silently change because
someone ticked a permission box. Every staff role may *view* these records (agency users only their
own agency's); only superusers may change them for now. Write paths for customers, contact points,
accounts and limit changes will come as services (with audit events and customer notices); until
then a superuser edit here is an operational escape hatch, not a workflow.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin as DrfTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from accounts.models import Agency, ContactPoint, CreditAccount, CreditLimitChange, Customer, User
from debt_collections.kernel.scope import row_scope

# --- role helpers shared with debt_collections.admin -------------------------------------------


def admin_user(request: HttpRequest) -> User | None:
    """The request's user if it is an active staff ``User``, else None (anonymous, inactive, non-staff)."""
    user = request.user
    # request.user is a lazy proxy; isinstance sees through it.
    if isinstance(user, User) and user.is_authenticated and user.is_active and user.is_staff:
        return user
    return None


def has_staff_role(user: User | None) -> bool:
    """A superuser, or a member of one of the collections role groups."""
    if user is None:
        return False
    return user.is_superuser or user.is_agent or user.is_supervisor or user.is_compliance


def scope_to_agency(qs: QuerySet[Any], user: User | None, agency_lookup: str | None) -> QuerySet[Any]:
    """Rows ``user`` may see today: none without a role, all for in-house staff, own agency's for agency
    users, and none for an agency user whose agency's licence or contract has lapsed.

    ``agency_lookup`` is the ORM path from the model to an agency id (e.g. ``"cases__agency_id"``);
    None means agency users see nothing of this model. The rule is the kernel's one scope function
    (``debt_collections.kernel.scope.row_scope``), so these lists cannot drift from the case lists.
    Multi-valued paths can repeat rows, hence ``distinct()``.
    """
    if user is None or not has_staff_role(user):
        return qs.none()
    scope = row_scope(user, agency_lookup, timezone.localdate())
    if not scope:  # in-house staff and superusers: every row, no join
        return qs
    return qs.filter(scope).distinct()


class StaffViewAdminMixin:
    """View for every staff role, add/change for superusers only, delete for nobody.

    Nothing here is deleted through the admin: credit records are referenced (PROTECT) by cases,
    payments and the audit trail, and people leave by being deactivated.
    """

    # ORM path to an agency id for agency-user scoping; None hides the model from agency users.
    agency_lookup: str | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        return scope_to_agency(qs, admin_user(request), self.agency_lookup)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_staff_role(admin_user(request))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return has_staff_role(admin_user(request))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        user = admin_user(request)
        return user is not None and user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        user = admin_user(request)
        return user is not None and user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyInlineMixin:
    """Inlines on these pages are presentation only: their writes belong to services."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Django's default asks for model permissions, which the role groups deliberately lack.
        return has_staff_role(admin_user(request))

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class SuperuserOnlyAdminMixin:
    """Superusers only, decided from the user alone.

    Django's and DRF's admins for groups and API tokens ask the auth backend for model permissions, which
    loads every permission of the user and of their groups (two queries) on every admin page, for the
    sidebar's app list. The role groups carry no model permissions (module docstring), so for everyone
    but a superuser the answer was always no; it still is, without the queries.
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        user = admin_user(request)
        return user is not None and user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)


# Registered by django.contrib.auth's and DRF's admin modules (imported above); registered again here with
# the superuser rule in front of their own admins.
admin.site.unregister(Group)
admin.site.unregister(TokenProxy)


@admin.register(Group)
class GroupAdmin(SuperuserOnlyAdminMixin, DjangoGroupAdmin):
    pass


@admin.register(TokenProxy)
class TokenAdmin(SuperuserOnlyAdminMixin, DrfTokenAdmin):
    pass


# --- staff and agencies ------------------------------------------------------------------------


@admin.register(User)
class UserAdmin(StaffViewAdminMixin, DjangoUserAdmin):
    agency_lookup = "agency_id"
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Collections"), {"fields": ("agency",)}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Collections"), {"fields": ("agency",)}),
    )
    list_display = ("username", "email", "first_name", "last_name", "agency", "is_staff", "is_active")
    # Only agencies the viewer can see users of: an agency user does not learn the other agencies' names.
    list_filter = (
        "is_staff",
        "is_superuser",
        "is_active",
        "groups",
        ("agency", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("agency",)


@admin.register(Agency)
class AgencyAdmin(StaffViewAdminMixin, admin.ModelAdmin[Agency]):
    agency_lookup = "pk"
    list_display = (
        "name",
        "licence_number",
        "licensed_until",
        "contract_start",
        "contract_end",
        "valid_today",
    )
    search_fields = ("name", "licence_number")

    @admin.display(boolean=True, description=_("Valid today"))
    def valid_today(self, obj: Agency) -> bool:
        # Same rule the placement service applies: licence and contract both cover today.
        return obj.is_valid_on(timezone.localdate())


# --- customers and credit ----------------------------------------------------------------------


class CreditAccountInline(ReadOnlyInlineMixin, admin.TabularInline[CreditAccount, Customer]):
    model = CreditAccount
    fields = ("account_number", "product", "currency", "total", "days_past_due", "status")
    readonly_fields = fields
    show_change_link = True

    @admin.display(description=_("Total due"))
    def total(self, obj: CreditAccount) -> str:
        return f"{obj.total_due:,} {obj.currency}"


@admin.register(Customer)
class CustomerAdmin(StaffViewAdminMixin, admin.ModelAdmin[Customer]):
    agency_lookup = "cases__agency_id"
    list_display = ("full_name", "locale", "time_zone", "jurisdiction", "vulnerable", "cease_communication")
    list_filter = ("jurisdiction", "locale", "vulnerable", "cease_communication")
    search_fields = ("full_name",)
    # The customer's identity check asks for the national-id last 4 and the date of birth: no staff role
    # sees either (an agent who could read them could pass the check as the customer), nor the hash.
    exclude = ("national_id_last4", "date_of_birth", "national_id_hash")
    readonly_fields = ("contact_points_table", "created_at")
    inlines = (CreditAccountInline,)

    @admin.display(description=_("Contact points"))
    def contact_points_table(self, obj: Customer) -> str:
        """The contact points, read-only and masked (the admin is not a dialer; screens are seen).

        Not a TabularInline: Django prints each inline row's ``str()``, and ``ContactPoint.__str__``
        is the full number.
        """
        points: list[ContactPoint] = list(obj.contact_points.all()) if obj.pk else []
        if not points:
            return str(_("None on file."))
        header = format_html(
            "<tr><th scope='col'>{}</th><th scope='col'>{}</th><th scope='col'>{}</th>"
            "<th scope='col'>{}</th><th scope='col'>{}</th><th scope='col'>{}</th></tr>",
            _("Kind"),
            _("Value"),
            _("Status"),
            _("Consent"),
            _("Verified"),
            _("Last reassigned"),
        )
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    p.get_kind_display(),
                    p.masked_value,
                    p.get_status_display(),
                    _when(p.consent_at),
                    _when(p.verified_at),
                    _when(p.last_reassigned_at),
                )
                for p in points
            ),
        )
        return format_html("<table><thead>{}</thead><tbody>{}</tbody></table>", header, rows)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # A customer needs the salted hash of the full national id; onboarding will be a service.
        return False


def _when(value: datetime | None) -> str:
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if value else "—"


@admin.register(CreditAccount)
class CreditAccountAdmin(StaffViewAdminMixin, admin.ModelAdmin[CreditAccount]):
    agency_lookup = "cases__agency_id"
    list_display = (
        "account_number",
        "customer",
        "product",
        "credit_limit",
        "total",
        "days_past_due",
        "status",
    )
    list_filter = ("status", "currency", "product")
    search_fields = ("account_number", "customer__full_name")
    list_select_related = ("customer",)

    @admin.display(description=_("Total due"))
    def total(self, obj: CreditAccount) -> str:
        return f"{obj.total_due:,} {obj.currency}"


@admin.register(CreditLimitChange)
class CreditLimitChangeAdmin(StaffViewAdminMixin, admin.ModelAdmin[CreditLimitChange]):
    agency_lookup = "account__cases__agency_id"
    list_display = (
        "account",
        "old_limit",
        "new_limit",
        "is_freeze",
        "reason_code",
        "status",
        "notice_sent_at",
        "effective_at",
        "appealed_at",
    )
    list_filter = ("status", "reason_code", "is_freeze", "automated")
    search_fields = ("account__account_number", "account__customer__full_name")
    list_select_related = ("account",)
