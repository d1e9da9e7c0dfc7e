"""Irreversible case actions ask first (issue 12): resolve, charge off, close, place with an agency.

The first POST of such an action renders a confirmation page that says what will happen and carries the
same fields again with ``confirmed=yes``; only that second POST reaches the service. The page is the
admin's own intermediate-page idiom (like its delete confirmation) and works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from accounts.models import Agency
from debt_collections.admin.display import money
from debt_collections.models import CloseReason, CollectionCase

# Hand-triggered transitions that cannot be taken back.
IRREVERSIBLE_TRANSITIONS = frozenset({"resolve", "charge_off", "close"})
CONFIRM_FIELD = "confirmed"


def is_confirmed(request: HttpRequest) -> bool:
    return request.POST.get(CONFIRM_FIELD) == "yes"


def transition_consequences(case: CollectionCase, name: str, params: dict[str, str]) -> list[str]:
    """Plain sentences: what the transition ``name`` will do to ``case``."""
    account = case.account
    owed = money(account.total_due, account.currency)
    if name == "resolve":
        return [
            _("Case #%(id)s will be marked resolved as paid in full.") % {"id": case.pk},
            _(
                "Outstanding now: %(owed)s. The service refuses this unless nothing is owed or a settlement "
                "has been paid in full."
            )
            % {"owed": owed},
            _("Collection stops and the case cannot be reopened; a later delinquency opens a new case."),
        ]
    if name == "charge_off":
        return [
            _("Account %(number)s will be charged off with %(owed)s outstanding.")
            % {"number": account.account_number, "owed": owed},
            _("The account's status becomes charged off and the case leaves active collection."),
            _("This cannot be undone from the case page."),
        ]
    if name == "close":
        reason = dict(CloseReason.choices).get(params.get("close_reason", ""), params.get("close_reason", ""))
        return [
            _("Case #%(id)s will be closed (%(reason)s).") % {"id": case.pk, "reason": reason},
            _("No further collection on %(owed)s; the case cannot be reopened.") % {"owed": owed},
        ]
    return []


def placement_consequences(cases: Iterable[CollectionCase], agency: Agency | None) -> list[str]:
    ids = ", ".join(f"#{c.pk}" for c in cases)
    if agency is None:
        return [_("Case(s) %(ids)s will be brought back in-house; the assignee is cleared.") % {"ids": ids}]
    return [
        _("Case(s) %(ids)s will be placed with %(agency)s (licence %(licence)s, valid until %(until)s).")
        % {
            "ids": ids,
            "agency": agency.name,
            "licence": agency.licence_number,
            "until": agency.licensed_until,
        },
        _(
            "The agency's staff will see the customer's name, contact points and balances; the assignee is "
            "cleared."
        ),
    ]


def confirmation_page(
    request: HttpRequest,
    *,
    admin_context: dict[str, Any],
    title: str,
    consequences: list[str],
    button: str,
    cancel_url: str,
) -> HttpResponse:
    """Render the confirmation page; it re-posts every field of this request plus ``confirmed=yes``."""
    fields = [
        (key, value)
        for key in request.POST
        if key not in {"csrfmiddlewaretoken", CONFIRM_FIELD}
        for value in request.POST.getlist(key)
    ]
    context = {
        **admin_context,
        "title": title,
        "consequences": consequences,
        "fields": fields,
        "button": button,
        "cancel_url": cancel_url,
        "action_url": request.get_full_path(),
        "confirm_field": CONFIRM_FIELD,
    }
    return TemplateResponse(request, "admin/collections/collectioncase/confirm_action.html", context)
