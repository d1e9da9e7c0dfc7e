"""Project-wide error pages that reveal nothing: the customer page is public, so even a failed form
submission must not show anything but plain words and a way to reach a person."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted without its security token (an old tab, a blocked cookie). Neutral and bilingual."""
    # No phone number: without the customer's pack it could be another country's line (issue 12).
    html = render_to_string("csrf_failure.html", {"lender_name": settings.LENDER_NAME})
    return HttpResponse(html, status=403)


def staff_login(request: HttpRequest) -> HttpResponse:
    """The admin's login, except that a compliance officer who did not ask for a page lands on the
    compliance workspace (their daily tool) instead of the admin index."""
    from django.contrib import admin
    from django.urls import reverse

    from compliance.access import is_compliance_officer

    response = admin.site.login(request)
    asked_for = request.POST.get("next") or request.GET.get("next")
    admin_index = reverse("admin:index")
    if (
        request.method == "POST"
        and response.status_code == 302
        and request.user.is_authenticated
        and is_compliance_officer(request.user)
        and asked_for in (None, "", admin_index)
    ):
        response["Location"] = reverse("compliance:dashboard")
    elif (  # issue 14: supervisors land on the collections dashboard
        request.method == "POST"
        and response.status_code == 302
        and request.user.is_authenticated
        and getattr(request.user, "is_supervisor", False)
        and asked_for in (None, "", admin_index)
    ):
        response["Location"] = reverse("admin:collections_delinquencysnapshot_changelist")
    return response
