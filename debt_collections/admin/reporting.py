"""Credit reporting and credit-limit appeals in the admin (DESIGN §9): what agents and supervisors see.

* "Credit report notices": every case's pre-notice record (pending, eligible, reported, suppressed and
  why, corrected), the one eligible soonest first. Read-only: written by ``credit.reporting``.
* "Bureau records": every line sent, or waiting to be sent, to the credit bureau. Read-only.
* "Limit-change appeals": the supervisors' queue of appealed credit-limit changes, oldest appeal first;
  its one action asks for the decision and the reason the customer reads, then calls
  ``credit.limit_change_review`` for each row (which refuses the person who asked for the change).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import CreditLimitChange
from debt_collections import credit
from debt_collections.admin.access import CaseScopedReadOnlyAdminMixin, admin_user, has_staff_role
from debt_collections.admin.queues import DefaultChoiceFilter, decision_page, run_each
from debt_collections.models import BureauRecord, CreditReportNotice, LimitChangeAppeal


@admin.register(CreditReportNotice)
class CreditReportNoticeAdmin(CaseScopedReadOnlyAdminMixin, admin.ModelAdmin[CreditReportNotice]):
    list_display = (
        "case",
        "account",
        "status",
        "suppressed_reason",
        "channel",
        "delivered_at",
        "eligible_at",
        "reported_at",
        "corrected_at",
    )
    list_filter = ("status", "channel")
    list_select_related = ("case", "account")
    search_fields = ("=account__account_number", "case__customer__full_name")
    ordering = ("eligible_at", "pk")
    exclude = ("pre_notice",)  # the raw notice would show its recipient; the case page lists notices
    readonly_fields = ("pre_notice_id",)


class ExportedFilter(admin.SimpleListFilter):
    title = gettext_lazy("exported")
    parameter_name = "exported"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("no", gettext_lazy("Waiting for the next feed")), ("yes", gettext_lazy("Exported"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() in ("yes", "no"):
            return queryset.filter(exported_at__isnull=self.value() == "no")
        return None


@admin.register(BureauRecord)
class BureauRecordAdmin(CaseScopedReadOnlyAdminMixin, admin.ModelAdmin[BureauRecord]):
    list_display = (
        "as_of",
        "kind",
        "account",
        "case",
        "status_code",
        "amount_band",
        "currency",
        "dispute_marker",
        "exported_at",
        "feed_file",
    )
    list_filter = ("kind", ExportedFilter, "status_code", "dispute_marker")
    list_select_related = ("account", "case")
    search_fields = ("=account__account_number", "feed_file")
    date_hierarchy = "as_of"


# --- the supervisors' appeal queue -------------------------------------------------------------------


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=CreditLimitChange.Decision.choices, widget=forms.RadioSelect, label=gettext_lazy("Decision")
    )
    note = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("Sent to the customer with the outcome: write it for them."),
    )


class AppealStatusFilter(DefaultChoiceFilter):
    title = gettext_lazy("status")
    parameter_name = "status__exact"
    field = "status"
    default = CreditLimitChange.Status.UNDER_REVIEW
    choices_list = tuple(CreditLimitChange.Status.choices)


@admin.register(LimitChangeAppeal)
class LimitChangeAppealAdmin(admin.ModelAdmin[LimitChangeAppeal]):
    """Appealed limit changes, oldest appeal first. In-house staff see it; supervisors decide."""

    list_display = (
        "id",
        "account",
        "reason_code",
        "is_freeze",
        "old_limit",
        "new_limit",
        "automated",
        "requested_by",
        "effective_at",
        "applied_at",
        "appealed_at",
        "status",
    )
    list_filter = (AppealStatusFilter, "reason_code", "automated", "is_freeze")
    list_select_related = ("account", "requested_by")
    search_fields = ("=account__account_number", "account__customer__full_name")
    ordering = ("appealed_at", "pk")
    actions = ("review_selected",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[LimitChangeAppeal]:
        user = admin_user(request)
        qs = super().get_queryset(request).filter(appealed_at__isnull=False)
        # Credit lines are the lender's decision: agency users never see this queue.
        if user is None or not has_staff_role(user) or user.agency_id is not None:
            return qs.none()
        return qs

    def has_module_permission(self, request: HttpRequest) -> bool:
        user = admin_user(request)
        return has_staff_role(user) and user is not None and user.agency_id is None

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_review_permission(self, request: HttpRequest) -> bool:
        user = admin_user(request)
        return user is not None and user.agency_id is None and (user.is_superuser or user.is_supervisor)

    @admin.action(
        description=gettext_lazy("Decide the selected appeals (asks for the decision and the reason)"),
        permissions=["review"],
    )
    def review_selected(
        self, request: HttpRequest, queryset: QuerySet[LimitChangeAppeal]
    ) -> TemplateResponse | None:
        if request.POST.get("apply") == "yes":
            form = ReviewForm(request.POST)
            if form.is_valid():
                decision, note = form.cleaned_data["decision"], form.cleaned_data["note"]
                run_each(
                    request,
                    queryset,
                    lambda row, actor: credit.limit_change_review(
                        change_id=row.pk, decision=decision, note=note, actor=actor
                    ),
                    done=_("Decided: %(rows)s. The customers are being told the outcome."),
                    not_done=_("Not decided: %(rows)s"),
                )
                return None
        else:
            form = ReviewForm()
        return decision_page(
            self,
            request,
            queryset,
            action="review_selected",
            title=_("Decide limit-change appeals"),
            form=form,
            submit=_("Decide"),
        )
