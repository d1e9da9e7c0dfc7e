"""A case's full timeline, read-only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from compliance import selectors, timeline
from compliance.access import compliance_required, officer
from compliance.views.common import page


@compliance_required
def case_timeline(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_for(officer(request), case_id)
    entries = timeline.case_timeline(case, timezone.now())
    return page(
        request,
        "compliance/timeline.html",
        {
            "case": case,
            "entries": entries,
            "counts": [
                (kind, n) for kind in timeline.KINDS if (n := sum(1 for e in entries if e.kind == kind))
            ],
        },
        active="dashboard",
    )
