"""Project-wide error pages that reveal nothing: the customer page is public, so even a failed form
submission must not show anything but plain words and a way to reach a person."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted without its security token (an old tab, a blocked cookie). Neutral and bilingual."""
    html = render_to_string(
        "csrf_failure.html", {"lender_name": settings.LENDER_NAME, "contact_phone": settings.CONTACT_PHONE}
    )
    return HttpResponse(html, status=403)
