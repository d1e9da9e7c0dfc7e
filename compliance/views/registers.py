"""The agency register and the retention review."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from compliance import selectors
from compliance.access import compliance_required
from compliance.views.common import page


@compliance_required
def agencies(request: HttpRequest) -> HttpResponse:
    today = timezone.now().date()
    return page(
        request,
        "compliance/agencies.html",
        {
            "today": today,
            "rows": selectors.agency_register(today),
            "warn_days": selectors.AGENCY_WARNING_DAYS,
        },
        active="agencies",
    )


@compliance_required
def retention(request: HttpRequest) -> HttpResponse:
    today = timezone.now().date()
    packs, cases = selectors.retention_review(today)
    return page(
        request,
        "compliance/retention.html",
        {"today": today, "packs": packs, "cases": cases, "total": sum(p.cases for p in packs)},
        active="retention",
    )
