"""The customer's negotiation page: ``/n/<token>/``. No login; the signed link and an identity check.

Before verification every response (page, failed check, wrong-party acknowledgement, language switch,
unusable-link page) carries only the lender's name, a neutral sentence, the identity form and the
"not me" button: templates ``verify.html``, ``unavailable.html`` and ``wrong_party_done.html`` get no
account data in their context at all, so a template mistake cannot leak any. The account is read only
in ``context.page_context``, for a verified session.

Every view, attempt and action is audited with the link as actor. Actions live in ``actions``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial, wraps
from typing import Any, Concatenate, ParamSpec

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from debt_collections import selectors
from debt_collections.customer.blank_forms import blank_form
from debt_collections.customer.context import page_context
from debt_collections.customer.context import zone_of as zone_of_link
from debt_collections.customer.forms import (
    CallbackForm,
    ComplaintForm,
    DisputeForm,
    HardshipForm,
    LimitAppealForm,
    OptOutForm,
    VerifyForm,
)
from debt_collections.customer.help import help_for_case
from debt_collections.customer.messages import flash_text
from debt_collections.customer.optout import opt_out_choices
from debt_collections.customer.paying_context import paying_context
from debt_collections.customer.session import LANGUAGES, LinkSession
from debt_collections.customer.when import local_when
from debt_collections.errors import ComplianceBlocked, DomainError
from debt_collections.models import NegotiationLink
from debt_collections.services import (
    LinkUnusable,
    link_record_view,
    link_report_wrong_party,
    link_resolve,
    link_verify,
)
from debt_collections.services.link_requests import link_request_new
from debt_collections.services.links import WRONG_PARTY_REASON
from ops import logs

View = Callable[..., HttpResponse]
# Path values after the token (``change_id`` of the limit-change appeal), passed through to the view.
P = ParamSpec("P")


def page_url(token: str, anchor: str = "") -> str:
    return reverse("negotiation:page", args=[token]) + (f"#{anchor}" if anchor else "")


def _activate(request: HttpRequest, lang: str) -> None:
    translation.activate(lang)
    request.LANGUAGE_CODE = lang


def _neutral(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """Render a pre-verification template with the only things it may know."""
    base = {"lender_name": settings.LENDER_NAME, "languages": LANGUAGES}
    return render(request, f"negotiation/{template}", base | context, status=status)


def unavailable(request: HttpRequest, token: str, exc: LinkUnusable, now: datetime) -> HttpResponse:
    """The neutral page for a bad token (404, nothing audited: there is no link) or an expired, revoked or
    locked link (410, audited), with the contact phone and, for a known link, the "not me" button."""
    link = exc.link
    if link is None:
        # No link, so no customer and no pack: no number rather than another country's (issue 12).
        return _neutral(request, "unavailable.html", {"reason": "invalid"}, 404)
    state = LinkSession.load(request.session, link)
    _activate(request, state.language)
    link_record_view(link=link, now=now, page=f"unavailable:{exc.reason}", verified=False)
    context = {
        "reason": exc.reason,
        "token": token,
        # The lender's line of the customer's own pack; nothing about the debt.
        "help": help_for_case(link.case, state.language),
        "can_report": link.revoke_reason != WRONG_PARTY_REASON,
    }
    return _neutral(request, "unavailable.html", context, 410)


def _verify_page(
    request: HttpRequest, token: str, form: VerifyForm, *, notice: str = "", status: int = 200
) -> HttpResponse:
    return _neutral(request, "verify.html", {"token": token, "form": form, "notice": notice}, status)


def with_link(
    view: Callable[Concatenate[HttpRequest, str, NegotiationLink, LinkSession, datetime, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, str, P], HttpResponse]:
    """Resolve the token (or answer with the neutral unusable-link page), load the link's session state
    and activate the customer's language (or the one chosen on the page). Other path values are passed
    on to ``view`` as they came."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        now = timezone.now()
        try:
            link = link_resolve(token, now=now)
        except LinkUnusable as exc:
            logs.bind(link_id=exc.link.pk if exc.link is not None else None)
            if request.method == "GET" and exc.link is not None and request.GET.get("lang") in LANGUAGES:
                LinkSession.load(request.session, exc.link).choose_language(request.GET["lang"])
            return unavailable(request, token, exc, now)
        logs.bind(link_id=link.pk)  # the opaque id in every log line of this request, never the token
        state = LinkSession.load(request.session, link)
        _activate(request, state.language)
        return view(request, token, link, state, now, *args, **kwargs)

    return wrapper


@never_cache
@require_GET
@with_link
def page(
    request: HttpRequest, token: str, link: NegotiationLink, state: LinkSession, now: datetime
) -> HttpResponse:
    """The page: the identity form until verified, then the account, the options and the requests.

    ``?lang=en|zh-hans`` stores the language for this link in the session and redirects to the page.
    """
    verified = state.is_verified(now)
    lang = request.GET.get("lang")
    if lang in LANGUAGES:
        state.choose_language(lang)
        link_record_view(link=link, now=now, page="language", verified=verified, detail={"lang": lang})
        return HttpResponseRedirect(page_url(token))
    if not verified:
        notice = ""
        if state.lapsed(now):
            state.forget_verification()
            notice = flash_text("idle")
        flash = state.pop_flash(levels=("info",))
        link_record_view(link=link, now=now, page="verify", verified=False)
        return _verify_page(request, token, VerifyForm(), notice=flash["text"] if flash else notice)
    state.touch(now)
    link_record_view(link=link, now=now, page="page", verified=True)
    return render_page(request, token, link, state, now)


def render_page(
    request: HttpRequest,
    token: str,
    link: NegotiationLink,
    state: LinkSession,
    now: datetime,
    *,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The verified page. ``forms`` replaces the blank forms with bound ones that have errors (an
    ``appeal_form`` replaces the blank appeal form of its own change)."""
    forms = dict(forms or {})
    appeal = forms.pop("appeal_form", None)
    context = page_context(link, now)
    # A link made without a contact point offers the customer's own points (customer/optout.py).
    context["opt_out_channels"] = opt_out_choices(link)
    today = selectors.customer_today(link.case, now)
    components = context["hardship_components"]
    channels = context["opt_out_channels"]
    # Blank forms come rendered from a per-process table (customer/blank_forms.py); bound ones with
    # errors, passed in ``forms``, replace them.
    blank: dict[str, Any] = {
        "hardship_form": blank_form(
            ("hardship", tuple(components)), lambda: HardshipForm(components=components)
        ),
        "dispute_form": blank_form("dispute", DisputeForm),
        "complaint_form": blank_form("complaint", ComplaintForm),
        "callback_form": blank_form(("callback", today), lambda: CallbackForm(today=today)),
        "optout_form": blank_form(("optout", tuple(channels)), lambda: OptOutForm(choices=channels)),
    }
    context |= blank | forms
    # Issue 14: promise to pay, pay now (with the live plan page_context read).
    context |= paying_context(link, now, forms, live_plan=context.pop("live_plan"))
    context["limit_changes"] = [
        replace(
            change,
            form=appeal
            if isinstance(appeal, LimitAppealForm) and appeal.change_id == change.id
            else blank_form(("appeal", change.id), partial(LimitAppealForm, change_id=change.id)),
        )
        if change.can_appeal
        else change
        for change in context["limit_changes"]
    ]
    context |= {
        "lender_name": settings.LENDER_NAME,
        "languages": LANGUAGES,
        "token": token,
        "flash": state.pop_flash(),
        "verified": True,
    }
    return render(request, "negotiation/page.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@with_link
def verify(
    request: HttpRequest, token: str, link: NegotiationLink, state: LinkSession, now: datetime
) -> HttpResponse:
    """Check the identity answers. A malformed answer is shown as such and not counted as a failed check
    (it is a typing slip, not a guess); a wrong one is counted, and the fifth locks the link.

    A GET (the browser reloading the address the form posted to) goes to the page, never a blank one.
    """
    if request.method == "GET":
        return HttpResponseRedirect(page_url(token))
    form = VerifyForm(request.POST)
    if not form.is_valid():
        link_record_view(link=link, now=now, page="verify", verified=False, detail={"form": "invalid"})
        # Keep the errors, drop the values: identity answers are never echoed into a page (shared phones).
        form.data = QueryDict()
        return _verify_page(request, token, form)
    try:
        ok = link_verify(
            link_id=link.id,
            national_id_last4=form.cleaned_data["national_id_last4"],
            date_of_birth=form.cleaned_data["date_of_birth"],
            now=now,
        )
    except LinkUnusable as exc:
        return unavailable(request, token, exc, now)
    if ok:
        state.mark_verified(now)
        return HttpResponseRedirect(page_url(token))
    link.refresh_from_db(fields=["failed_checks", "locked_at"])
    if link.locked_at is not None:
        return unavailable(request, token, LinkUnusable("locked", reason="locked", link=link), now)
    left = max(selectors.case_pack(link.case, now).link_max_failed_checks - link.failed_checks, 0)
    form = VerifyForm()
    form_error = (
        gettext("Those details do not match our records.")
        + " "
        + ngettext("You can try %(left)d more time.", "You can try %(left)d more times.", left)
        % {"left": left}
    )
    return _neutral(request, "verify.html", {"token": token, "form": form, "form_error": form_error})


@never_cache
@require_POST
def wrong_party(request: HttpRequest, token: str) -> HttpResponse:
    """ "This is not me / wrong number": needs no verification, and works on an expired or locked link too.

    The acknowledgement is shown here only: the number is quarantined, so nothing is sent to it.
    """
    now = timezone.now()
    try:
        link = link_resolve(token, now=now)
    except LinkUnusable as exc:
        if exc.link is None:
            return unavailable(request, token, exc, now)
        link = exc.link
    state = LinkSession.load(request.session, link)
    _activate(request, state.language)
    kind = link.contact_point.kind if link.contact_point is not None else ""
    if request.POST.get("confirmed") != "yes":
        # One tap no longer quarantines a number for good: say what will happen and ask (issue 12).
        link_record_view(link=link, now=now, page="wrong_party_confirm", verified=False)
        return _neutral(request, "wrong_party_confirm.html", {"token": token, "kind": kind})
    link_report_wrong_party(link_id=link.id, now=now)
    state.forget_verification()
    return _neutral(request, "wrong_party_done.html", {"kind": kind})


@never_cache
@require_POST
@with_link
def leave(
    request: HttpRequest, token: str, link: NegotiationLink, state: LinkSession, now: datetime
) -> HttpResponse:
    """End the verified session on this device (a shared phone)."""
    was_verified = state.is_verified(now)
    state.forget_verification()
    state.flash("info", flash_text("signed_out"))
    link_record_view(link=link, now=now, page="leave", verified=was_verified)
    return HttpResponseRedirect(page_url(token))


@never_cache
@require_POST
def new_link(request: HttpRequest, token: str) -> HttpResponse:
    """ "Send me a new link" from an expired link's page: to a verified point of the customer, through the
    gate (``services.link_requests``). The answer names no address and nothing about the account."""
    now = timezone.now()
    try:
        link = link_resolve(token, now=now)
    except LinkUnusable as exc:
        if exc.link is None:
            return unavailable(request, token, exc, now)
        link = exc.link
    else:
        return HttpResponseRedirect(page_url(token))  # still usable: nothing to renew
    state = LinkSession.load(request.session, link)
    _activate(request, state.language)
    outcome, next_at = "sent", ""
    try:
        link_request_new(link_id=link.id, now=now)
    except ComplianceBlocked as exc:
        outcome = "later" if exc.next_allowed_at else "call"
        next_at = local_when(exc.next_allowed_at, zone_of_link(link)) if exc.next_allowed_at else ""
    except DomainError:
        outcome = "call"
    context = {"outcome": outcome, "next_at": next_at, "help": help_for_case(link.case, state.language)}
    return _neutral(request, "new_link.html", context)
