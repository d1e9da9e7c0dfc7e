"""The customer page's "pay or promise to pay" actions (issue 14): "I will pay X on D" and paying an
installment, the promise or the balance. POSTs through ``actions.verified_action`` like every other
action on the page; the section's context is ``paying_context``.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.formats import date_format
from django.utils.translation import gettext

from debt_collections import selectors
from debt_collections.customer.actions import verified_action
from debt_collections.customer.context import money
from debt_collections.customer.paying_context import PromiseForm
from debt_collections.customer.session import LinkSession
from debt_collections.customer.views import page_url, render_page
from debt_collections.kernel.audit import Actor
from debt_collections.models import NegotiationLink
from debt_collections.services import link_record_view
from debt_collections.services.online_payments import payment_intent_start
from debt_collections.services.promises import promise_take


@verified_action("promise")
def promise(
    request: HttpRequest, token: str, link: NegotiationLink, state: LinkSession, now: datetime
) -> HttpResponse:
    """ "I will pay X on D": a promise taken on the page (it replaces an open one)."""
    form = PromiseForm(request.POST, today=selectors.customer_today(link.case, now))
    if not form.is_valid():
        return invalid(request, token, link, state, now, "promise", {"promise_form": form})
    taken = promise_take(
        case_id=link.case_id,
        amount=form.cleaned_data["amount"],
        due_date=form.cleaned_data["due_date"],
        channel="page",
        actor=Actor.link(link.id),
        now=now,
        contact_point_id=link.contact_point_id,
    )
    text = gettext("Thank you. We have noted that you will pay %(amount)s %(currency)s by %(day)s.") % {
        "amount": money(taken.amount),
        "currency": taken.currency,
        "day": date_format(taken.due_date, "DATE_FORMAT"),
    }
    return done(state, token, text)


def invalid(
    request: HttpRequest,
    token: str,
    link: NegotiationLink,
    state: LinkSession,
    now: datetime,
    name: str,
    forms_: dict[str, object],
) -> HttpResponse:
    """Re-render the page with the form's errors (400), the refusal audited like the other actions'."""
    link_record_view(
        link=link, now=now, page=f"refused:{name}", verified=True, detail={"code": "invalid_form"}
    )
    return render_page(request, token, link, state, now, forms=forms_, status=400)


def done(state: LinkSession, token: str, text: str) -> HttpResponse:
    state.flash("ok", text)
    return HttpResponseRedirect(page_url(token, "status"))


@verified_action("pay")
def pay(
    request: HttpRequest, token: str, link: NegotiationLink, state: LinkSession, now: datetime
) -> HttpResponse:
    """Start paying an installment, the promise or the balance: the amount is computed on the server.
    A provider with a checkout page gets the customer there (and back); a bank transfer shows where to
    send the money and the reference to quote."""
    purpose = request.POST.get("purpose", "")
    intent, checkout = payment_intent_start(
        case_id=link.case_id,
        purpose=purpose,
        provider=settings.PAYMENT_PROVIDER,
        return_url=page_url(token),
        actor=Actor.link(link.id),
        now=now,
    )
    if checkout.redirect_url:
        return HttpResponseRedirect(f"{checkout.redirect_url}?{urlencode({'back': page_url(token)})}")
    lines = "; ".join(f"{label}: {value}" for label, value in checkout.instructions)
    text = gettext("To pay %(amount)s %(currency)s by bank transfer: %(lines)s.") % {
        "amount": money(intent.amount),
        "currency": intent.currency,
        "lines": lines,
    }
    return done(state, token, text)
