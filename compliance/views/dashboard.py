"""The dashboard (charts of the last 90 days, case search, warnings) and the reports with filters."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from compliance import exports, reports, selectors, services
from compliance.access import compliance_required, officer
from compliance.forms import ReportFilterForm
from compliance.reports import ReportFilters
from compliance.views.common import chart_svg, page
from debt_collections.kernel.audit import Actor


@compliance_required
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    today = now.date()
    query = request.GET.get("q", "").strip()
    filters = ReportFilters.last_days(today)
    built = reports.build_all(filters, now)
    verification = selectors.latest_verification()
    return page(
        request,
        "compliance/dashboard.html",
        {
            "query": query,
            "results": list(selectors.search_cases(officer(request), query)) if query else None,
            "filters": filters,
            "charts": [(r, chart_svg(r, compact=True)) for r in built],
            "agency_warnings": selectors.agency_warnings(today),
            "verification": verification,
            "verification_stalled": verification is not None and selectors.is_stalled(verification, now),
            "drafts": selectors.templates_with_status("draft").count(),
        },
        active="dashboard",
    )


def _filters(request: HttpRequest) -> tuple[ReportFilterForm, ReportFilters]:
    form = ReportFilterForm(request.GET or None, today=timezone.now().date())
    return form, form.filters()


@compliance_required
def reports_page(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    built = reports.build_all(filters, timezone.now())
    return page(
        request,
        "compliance/reports.html",
        {
            "form": form,
            "filters": filters,
            "query": urlencode(filters.as_params()),
            "reports": [(r, chart_svg(r)) for r in built],
        },
        active="reports",
    )


@compliance_required
def report_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The report as CSV or XLSX, with the same filters as the page; audited as ``compliance.export``."""
    if slug not in reports.REPORTS or fmt not in ("csv", "xlsx"):
        raise Http404("No such report.")
    _form, filters = _filters(request)
    report = reports.build(slug, filters, timezone.now())
    services.report_export(
        actor=Actor.for_user(officer(request)),
        report=slug,
        file_format=fmt,
        filters=filters.as_params(),
        rows=len(report.rows),
    )
    if fmt == "csv":
        body, content_type = exports.csv_bytes(report.columns, report.rows), exports.CSV_CONTENT_TYPE
    else:
        body = exports.xlsx_bytes(report.title, report.columns, report.rows)
        content_type = exports.XLSX_CONTENT_TYPE
    response = HttpResponse(body, content_type=content_type)
    filename = exports.report_filename(report, filters.date_from, filters.date_to, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
