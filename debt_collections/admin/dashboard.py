"""The supervisor dashboard (issue 14), the admin landing for supervisors: the month's measures from
``debt_collections.measures`` (set-based queries), each drawn as a server-side SVG chart like the
compliance workspace (``compliance.charts``) with its data table and a plain-words definition, and each
exportable to CSV or XLSX (``compliance.exports``: formula-safe cells).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from accounts.models import User
from compliance.charts import bar_chart
from compliance.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_bytes, xlsx_bytes
from debt_collections.admin.access import admin_user
from debt_collections.measures import Table, all_measures, previous_month
from debt_collections.models import DelinquencySnapshot


def may_see_dashboard(user: User | None) -> bool:
    """In-house supervisors and compliance officers: the measures cover every agency's cases (and name the
    agencies), so an agency's own staff never see them."""
    if user is None:
        return False
    if user.is_superuser:
        return True
    return user.agency_id is None and (user.is_supervisor or user.has_role("compliance"))


def chosen_month(request: HttpRequest) -> date:
    """``?month=YYYY-MM``, else last full month."""
    text = request.GET.get("month", "")
    try:
        year, month = (int(p) for p in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        return previous_month(timezone.now().date())


def _number(cell: object) -> float:
    return float(cell) if isinstance(cell, int | Decimal) else 0.0


def chart_for(table: Table) -> SafeString | None:
    """One bar chart per measure that has a series worth drawing (the single-row rates are drawn
    together in ``rates_chart``)."""
    if table.slug == "roll-rates":
        return bar_chart(
            table.title,
            [str(r[0]) for r in table.rows],
            [_number(r[-1]) for r in table.rows],
            x_label=_("From bucket"),
            y_label=_("Roll rate %"),
        )
    if table.slug == "collected":
        return bar_chart(
            table.title,
            [str(r[0]) for r in table.rows],
            [_number(r[2]) for r in table.rows],
            x_label=_("Currency"),
            y_label=_("Collected"),
        )
    if table.slug == "productivity":
        return bar_chart(
            table.title,
            [str(r[1]) for r in table.rows],
            [_number(r[2]) for r in table.rows],
            x_label=_("Agent or agency"),
            y_label=_("Calls"),
        )
    if table.slug == "gate-blocks":
        return bar_chart(
            table.title,
            [str(r[0]) for r in table.rows],
            [_number(r[1]) for r in table.rows],
            x_label=_("Rule"),
            y_label=_("Blocked calls"),
        )
    return None


def rates_chart(tables: dict[str, Table]) -> SafeString:
    labels = [_("Cure rate %"), _("Promise-kept rate %"), _("Plan-kept rate %")]
    values = [_number(tables[slug].rows[0][-1]) for slug in ("cure-rate", "promise-kept", "plan-kept")]
    return bar_chart(_("Rates this month"), labels, values, y_label="%")


@admin.register(DelinquencySnapshot)
class DashboardAdmin(admin.ModelAdmin[DelinquencySnapshot]):
    """The changelist is the dashboard; snapshots are written only by the daily cycle."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_see_dashboard(admin_user(request))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return may_see_dashboard(admin_user(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not may_see_dashboard(admin_user(request)):
            raise PermissionDenied
        month = chosen_month(request)
        tables = all_measures(month, timezone.now())
        export = request.GET.get("export")
        if export:
            table = next((t for t in tables if t.slug == export), None)
            if table is None:
                raise Http404
            return self._export(table, month, request.GET.get("fmt", "csv"))
        by_slug = {t.slug: t for t in tables}
        context = {
            **self.admin_site.each_context(request),
            "title": _("Collections dashboard"),
            "opts": self.model._meta,
            "month": month,
            "previous": previous_month(month),
            "next": date(month.year + (month.month == 12), month.month % 12 + 1, 1),
            "measures": [{"table": t, "chart": chart_for(t)} for t in tables],
            "rates_chart": rates_chart(by_slug),
        }
        return TemplateResponse(request, "admin/collections/dashboard.html", context)

    def _export(self, table: Table, month: date, fmt: str) -> HttpResponse:
        name = f"{table.slug}-{month:%Y-%m}"
        rows = [list(r) for r in table.rows]
        if fmt == "xlsx":
            response = HttpResponse(
                xlsx_bytes(table.title, table.columns, rows), content_type=XLSX_CONTENT_TYPE
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
            return response
        response = HttpResponse(csv_bytes(table.columns, rows), content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
