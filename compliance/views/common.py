"""Shared bits of the workspace views."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString

from compliance import charts
from compliance.reports import Report

NAV = (
    ("dashboard", "Dashboard", "compliance:dashboard"),
    ("reports", "Reports", "compliance:reports"),
    ("audit", "Audit chain", "compliance:audit"),
    ("export", "Evidence export", "compliance:evidence-export"),
    ("templates", "Templates", "compliance:templates"),
    ("agencies", "Agencies", "compliance:agencies"),
    ("retention", "Retention", "compliance:retention"),
)


def page(request: HttpRequest, template: str, context: dict[str, Any], *, active: str) -> HttpResponse:
    return render(request, template, {**context, "nav": NAV, "active": active})


def chart_svg(report: Report, *, compact: bool = False) -> SafeString:
    chart = replace(report.chart, described_by=f"table-{report.slug}")
    if compact:
        chart = replace(chart, height=300)
    return charts.render(chart)
