"""The workspace routes, mounted at ``/compliance/`` by ``config.urls``; reverse as ``compliance:<name>``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from compliance import views

app_name = "compliance"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("cases/<int:case_id>/timeline/", views.case_timeline, name="case-timeline"),
    path("reports/", views.reports_page, name="reports"),
    path("reports/<slug:slug>/export.csv", views.report_export, {"fmt": "csv"}, name="report-csv"),
    path("reports/<slug:slug>/export.xlsx", views.report_export, {"fmt": "xlsx"}, name="report-xlsx"),
    path("audit/", views.audit_status, name="audit"),
    path("audit/verify/", views.verify_now, name="verify-now"),
    path("audit/export/", views.evidence_export, name="evidence-export"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_new, name="template-new"),
    path("templates/<int:template_id>/", views.template_detail, name="template-detail"),
    path("templates/<int:template_id>/approve/", views.template_approve, name="template-approve"),
    path("templates/<int:template_id>/reject/", views.template_reject, name="template-reject"),
    path("agencies/", views.agencies, name="agencies"),
    path("retention/", views.retention, name="retention"),
]
