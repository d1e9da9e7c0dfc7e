"""What a verified customer can do on the page. Each action is a POST that calls one service with the
link as the actor, then redirects to the page (post/redirect/get) with a confirmation in the
customer's language. Invalid input re-renders the page with the form's errors; a domain error becomes
plain words, never a stack trace. Refusals are audited too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Concatenate, ParamSpec
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from debt_collections import credit, selectors, services
from debt_collections.credit.selectors import best_verified_point, limit_changes_for_case
from debt_collections.customer.context import can_appeal, zone_of
from debt_collections.customer.forms import (
    CALLBACK_WINDOWS,
    OPT_OUT_CHANNELS,
    WAIVER_COMPONENTS,
    AcceptForm,
    CallbackForm,
    ComplaintForm,
    DisputeForm,
    HardshipForm,
    LimitAppealForm,
    OptOutForm,
    WithdrawForm,
)
from debt_collections.customer.messages import BY_CODE, DECISION_CHANNELS, error_text, flash_text
from debt_collections.customer.optout import opt_out_choices, resolve_choice
from debt_collections.customer.session import LinkSession
from debt_collections.customer.views import page_url, render_page, with_link
from debt_collections.customer.when import local_when
from debt_collections.errors import DomainError
from debt_collections.kernel.audit import Actor
from debt_collections.models import Dispute, NegotiationLink, RepaymentPlan
from debt_collections.policies import HARDSHIP
from debt_collections.policies.localtime import first_instant_at_or_after

# Path values after the token (``change_id``) reach the action as keyword arguments.
P = ParamSpec("P")
Action = Callable[Concatenate[HttpRequest, str, NegotiationLink, LinkSession, datetime, P], HttpResponse]
# The channel recorded on disputes and complaints opened here.
CHANNEL = "web"
# Every action lands on the message at the top of the page (focusable, announced by its live region).
STATUS = "status"


def _local(value: datetime, link: NegotiationLink, fmt: str = "DATETIME_FORMAT") -> str:
    if fmt == "DATETIME_FORMAT":
        return local_when(value, zone_of(link))  # the zone named, formatted per locale (issue 12)
    return date_format(timezone.localtime(value, zone_of(link)), fmt)


def verified_action(
    name: str,
) -> Callable[[Action[P]], Callable[Concatenate[HttpRequest, str, P], HttpResponse]]:
    """POST only, verified session only (else back to the identity form), domain errors to plain words."""

    def decorate(action: Action[P]) -> Callable[Concatenate[HttpRequest, str, P], HttpResponse]:
        @never_cache
        @require_POST
        @with_link
        @wraps(action)
        def view(
            request: HttpRequest,
            token: str,
            link: NegotiationLink,
            state: LinkSession,
            now: datetime,
            *args: P.args,
            **kwargs: P.kwargs,
        ) -> HttpResponse:
            if not state.is_verified(now):
                services.link_record_view(
                    link=link,
                    now=now,
                    page=f"refused:{name}",
                    verified=False,
                    detail={"code": "not_verified"},
                )
                if state.lapsed(now):
                    state.forget_verification()
                    state.flash("info", flash_text("idle"))
                return HttpResponseRedirect(page_url(token))
            state.touch(now)
            try:
                return action(request, token, link, state, now, *args, **kwargs)
            except DomainError as exc:
                services.link_record_view(
                    link=link, now=now, page=f"refused:{name}", verified=True, detail={"code": exc.code}
                )
                state.flash("error", error_text(exc))
                return HttpResponseRedirect(page_url(token, STATUS))

        return view

    return decorate


def _invalid(
    request: HttpRequest,
    token: str,
    link: NegotiationLink,
    state: LinkSession,
    now: datetime,
    name: str,
    forms: dict[str, object],
) -> HttpResponse:
    services.link_record_view(
        link=link, now=now, page=f"refused:{name}", verified=True, detail={"code": "invalid_form"}
    )
    return render_page(request, token, link, state, now, forms=forms, status=400)


def _done(state: LinkSession, token: str, text: str) -> HttpResponse:
    state.flash("ok", text)
    return HttpResponseRedirect(page_url(token, STATUS))


@verified_action("accept")
def accept(
    request: HttpRequest, token: str, link: NegotiationLink, state: LinkSession, now: datetime
) -> HttpResponse:
    """Accept an option by its code. The amounts are recomputed on the server (never from the form).

    Only from the review step's "Confirm" (``confirm=yes``); anything else is shown the review first.
    """
    form = AcceptForm(request.POST)
    options = selectors.negotiation_options(case=link.case, now=now)
    code = form.cleaned_data["option"] if form.is_valid() else ""
    if code in options.codes and code != HARDSHIP and request.POST.get("confirm") != "yes":
        return HttpResponseRedirect(
            reverse("negotiation:review", args=[token]) + "?" + urlencode({"option": code})
        )
    if code == HARDSHIP or code not in options.codes:
        services.link_record_view(
            link=link,
            now=now,
            page="refused:accept",
            verified=True,
            detail={"code": "option_unavailable"},
        )
        state.flash("error", flash_text("option_unavailable"))
        return HttpResponseRedirect(page_url(token, STATUS))
    plan: RepaymentPlan = services.plan_accept_option(
        case_id=link.case_id,
        option_code=code,
        actor=Actor.link(link.id),
        now=now,
        contact_point_id=link.contact_point_id,
    )
    until = _local(plan.cooling_off_until, link) if plan.cooling_off_until else ""
    return _done(state, token, flash_text("plan_accepted", until=until))


@verified_action("withdraw")
def withdraw(
    request: HttpRequest, token: str, link: NegotiationLink, state: LinkSession, now: datetime
) -> HttpResponse:
    form = WithdrawForm(request.POST)
    if (
        not form.is_valid()
        or not RepaymentPlan.objects.filter(pk=form.cleaned_data["plan"], case_id=link.case_id).exists()
    ):
        state.flash("error", flash_text("plan_not_found"))
        return HttpResponseRedirect(page_url(token, STATUS))
    services.plan_withdraw(plan_id=form.cleaned_data["plan"], actor=Actor.link(link.id), now=now)
    return _done(state, token, flash_text("plan_withdrawn"))


@verified_action("hardship")
def hardship(
    request: HttpRequest, token: str, link: NegotiationLink, state: LinkSession, now: datetime
) -> HttpResponse:
    """Ask to waive the whole current balance of fees or of penalty interest (a person decides)."""
    account = link.case.account
    components = [(key, str(label)) for key, label in WAIVER_COMPONENTS.items() if getattr(account, key) > 0]
    form = HardshipForm(request.POST, components=components)
    if not form.is_valid():
        return _invalid(request, token, link, state, now, "hardship", {"hardship_form": form})
    component = form.cleaned_data["component"]
    services.waiver_request(
        case_id=link.case_id,
        component=component,
        amount=getattr(account, component),
        reason=form.cleaned_data["reason"],
        actor=Actor.link(link.id),
        hardship=True,
        now=now,
    )
    return _done(state, token, flash_text("hardship_requested"))


def _open(link: NegotiationLink, now: datetime, kind: str, description: str) -> str:
    dispute = services.dispute_open(
        case_id=link.case_id,
        kind=kind,
        description=description,
        channel=CHANNEL,
        actor=Actor.link(link.id),
        now=now,
    )
    due = getattr(dispute, "sla_due_at", None)
    return _local(due, link, "DATE_FORMAT") if isinstance(due, datetime) else ""


@verified_action("dispute")
def dispute(
    request: HttpRequest, token: str, link: NegotiationLink, state: LinkSession, now: datetime
) -> HttpResponse:
    form = DisputeForm(request.POST)
    if not form.is_valid():
        return _invalid(request, token, link, state, now, "dispute", {"dispute_form": form})
    due = _open(link, now, form.cleaned_data["kind"], form.cleaned_data["description"])
    return _done(state, token, flash_text("dispute_opened", due=due))


@verified_action("complaint")
def complaint(
    request: HttpRequest, token: str, link: NegotiationLink, state: LinkSession, now: datetime
) -> HttpResponse:
    form = ComplaintForm(request.POST)
    if not form.is_valid():
        return _invalid(request, token, link, state, now, "complaint", {"complaint_form": form})
    due = _open(link, now, Dispute.Kind.CONDUCT_COMPLAINT, form.cleaned_data["description"])
    return _done(state, token, flash_text("complaint_opened", due=due))


@verified_action("callback")
def callback(
    request: HttpRequest, token: str, link: NegotiationLink, state: LinkSession, now: datetime
) -> HttpResponse:
    """A call back on a day and in a window of the customer's local time."""
    form = CallbackForm(request.POST, today=selectors.customer_today(link.case, now))
    if not form.is_valid():
        return _invalid(request, token, link, state, now, "callback", {"callback_form": form})
    zone = zone_of(link)
    day = form.cleaned_data["day"]
    start_at, end_at = CALLBACK_WINDOWS[form.cleaned_data["window"]]
    # A window already under way today starts in a minute: "call me during the rest of it".
    start = max(first_instant_at_or_after(day, start_at, zone), now + timedelta(minutes=1))
    end = first_instant_at_or_after(day, end_at, zone)
    if end <= start:
        form.add_error("window", flash_text("window_passed"))
        return _invalid(request, token, link, state, now, "callback", {"callback_form": form})
    services.callback_request(
        case_id=link.case_id, window_start=start, window_end=end, actor=Actor.link(link.id), now=now
    )
    text = flash_text(
        "callback_requested",
        day=date_format(day, "DATE_FORMAT"),
        start=f"{start_at:%H:%M}",
        end=f"{end_at:%H:%M}",
    )
    return _done(state, token, text)


@verified_action("opt_out")
def opt_out(
    request: HttpRequest, token: str, link: NegotiationLink, state: LinkSession, now: datetime
) -> HttpResponse:
    """Stop one channel on the contact point this link was sent to (or, for a link made without one, on
    the customer's own point the customer chose)."""
    form = OptOutForm(request.POST, choices=opt_out_choices(link))
    chosen = resolve_choice(link, form.cleaned_data["channel"]) if form.is_valid() else None
    if chosen is None:
        return _invalid(request, token, link, state, now, "opt_out", {"optout_form": form})
    point_id, channel = chosen
    services.contact_opt_out(contact_point_id=point_id, channel=channel, actor=Actor.link(link.id), now=now)
    return _done(state, token, flash_text("opted_out", channel=str(OPT_OUT_CHANNELS[channel])))


def _refuse(
    state: LinkSession, link: NegotiationLink, token: str, now: datetime, name: str, code: str
) -> HttpResponse:
    services.link_record_view(
        link=link, now=now, page=f"refused:{name}", verified=True, detail={"code": code}
    )
    text = str(BY_CODE[code]) if code in BY_CODE else flash_text(code)
    state.flash("error", text)
    return HttpResponseRedirect(page_url(token, STATUS))


@verified_action("limit_appeal")
def limit_appeal(
    request: HttpRequest, token: str, link: NegotiationLink, state: LinkSession, now: datetime, change_id: int
) -> HttpResponse:
    """Appeal a change to the credit limit of this case's account; a person reviews it (PIPL Art. 24).

    Only a change in ``limit_changes_for_case(link.case)`` (what the page lists): any other id, whoever's it
    is, gets the same "not found" answer, so the page never confirms another account's change exists.
    Appealability is checked here for a plain answer; ``limit_change_appeal`` checks it again under lock.
    """
    change = limit_changes_for_case(link.case).filter(pk=change_id).first()
    if change is None:
        return _refuse(state, link, token, now, "limit_appeal", "limit_change_not_found")
    if not can_appeal(change):
        code = "already_appealed" if change.appealed_at is not None else "not_appealable"
        return _refuse(state, link, token, now, "limit_appeal", code)
    form = LimitAppealForm(request.POST, change_id=change.pk)
    if not form.is_valid():
        return _invalid(request, token, link, state, now, "limit_appeal", {"appeal_form": form})
    appealed = credit.limit_change_appeal(
        change_id=change.pk, appeal_text=form.cleaned_data["text"], actor=Actor.link(link.id), now=now
    )
    point = best_verified_point(link.case.customer)
    if point is not None and point.kind in DECISION_CHANNELS:
        text = flash_text("limit_appeal_sent", channel=str(DECISION_CHANNELS[point.kind]))
    else:
        text = flash_text("limit_appeal_sent_call", phone=settings.CONTACT_PHONE)
    until = "limit_appeal_in_effect" if appealed.applied_at is not None else "limit_appeal_not_in_effect"
    return _done(state, token, f"{text} {flash_text(until)}")
