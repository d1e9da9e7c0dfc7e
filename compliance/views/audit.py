"""The audit chain: the status of the last verification, "verify now", and the evidence export."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from compliance import exports, selectors, services
from compliance.access import compliance_required, officer
from compliance.forms import EvidenceExportForm
from compliance.views.common import page
from debt_collections.errors import DomainError
from debt_collections.kernel.audit import Actor

REFRESH_SECONDS = 2


@compliance_required
def audit_status(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    head_seq = selectors.chain_head_seq()
    latest = selectors.latest_verification()
    stalled = latest is not None and selectors.is_stalled(latest, now)
    return page(
        request,
        "compliance/audit.html",
        {
            "latest": latest,
            "stalled": stalled,
            # While a run is going, the page reloads itself (a meta refresh: no JavaScript needed).
            "refresh": REFRESH_SECONDS if latest is not None and latest.running and not stalled else None,
            "history": selectors.recent_verifications(),
            "head_seq": head_seq,
            "seals": selectors.seal_status(head_seq),
        },
        active="audit",
    )


@compliance_required
@require_POST
def verify_now(request: HttpRequest) -> HttpResponse:
    try:
        services.verification_start(actor=Actor.for_user(officer(request)))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Verification started.")
    return HttpResponseRedirect(reverse("compliance:audit"))


@compliance_required
def evidence_export(request: HttpRequest) -> HttpResponseBase:
    """GET: the form. POST: the JSON Lines file (audited before the first line is written)."""
    today = timezone.now().date()
    if request.method == "POST":
        form = EvidenceExportForm(request.POST)
        if form.is_valid():
            user = officer(request)
            data = form.cleaned_data
            try:
                span = services.audit_export_start(
                    actor=Actor.for_user(user),
                    date_from=data["date_from"],
                    date_to=data["date_to"],
                    case_id=data.get("case"),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                lines = exports.audit_jsonl_lines(
                    span, exported_at=timezone.now(), exported_by=Actor.for_user(user).label
                )
                response = StreamingHttpResponse(
                    (line.encode("utf-8") for line in lines), content_type=exports.JSONL_CONTENT_TYPE
                )
                response["Content-Disposition"] = f'attachment; filename="{exports.audit_filename(span)}"'
                return response
    else:
        form = EvidenceExportForm(initial={"date_from": today.replace(day=1), "date_to": today})
    return page(request, "compliance/export.html", {"form": form}, active="export")
