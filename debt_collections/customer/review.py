"""The review step before a plan is accepted (issue 12): one tap no longer commits.

"Choose" on an option card opens ``/n/<token>/review/?option=<code>`` (a GET: safe to reload, changes
nothing): what the customer agrees to, every payment, the total, and the free withdrawal (cooling-off)
right with its end in the customer's zone. Only its "Confirm" button posts to ``accept`` with
``confirm=yes``; an ``accept`` without it comes back here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from debt_collections import selectors, services
from debt_collections.customer.context import option_views, zone_of
from debt_collections.customer.help import help_for_case
from debt_collections.customer.messages import flash_text
from debt_collections.customer.session import LANGUAGES, LinkSession
from debt_collections.customer.views import page_url, with_link
from debt_collections.customer.when import local_when
from debt_collections.models import NegotiationLink
from debt_collections.policies import HARDSHIP


def review_url(token: str, code: str) -> str:
    return reverse("negotiation:review", args=[token]) + f"?option={code}"


@never_cache
@require_GET
@with_link
def review(
    request: HttpRequest, token: str, link: NegotiationLink, state: LinkSession, now: datetime
) -> HttpResponse:
    if not state.is_verified(now):
        return HttpResponseRedirect(page_url(token))
    state.touch(now)
    code = request.GET.get("option", "")
    options = selectors.negotiation_options(case=link.case, now=now)
    chosen = next((o for o in option_views(options) if o.code == code), None)
    if chosen is None or code == HARDSHIP:
        state.flash("error", flash_text("option_unavailable"))
        return HttpResponseRedirect(page_url(token, "status"))
    services.link_record_view(link=link, now=now, page="review", verified=True, detail={"option": code})
    pack = selectors.case_pack(link.case, now)
    account = link.case.account
    context = {
        "lender_name": settings.LENDER_NAME,
        "languages": LANGUAGES,
        "token": token,
        "option": chosen,
        "currency": account.currency,
        "balance_today": f"{account.total_due:,.2f}",
        "cooling_off_days": pack.cooling_off_days,
        "cooling_off_until": local_when(now + timedelta(days=pack.cooling_off_days), zone_of(link)),
        "help": help_for_case(link.case, state.language),
    }
    return render(request, "negotiation/review.html", context)
