"""Plain words for the customer: confirmations after an action, and domain errors without jargon.

Service errors carry English messages for staff; the customer never sees those (nor a stack trace), only
the sentence mapped here from the error's class or code, in the active language.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from debt_collections.errors import (
    ComplianceBlocked,
    DomainError,
    InvalidInput,
    NotPermitted,
    StaleState,
    TransitionNotAllowed,
)

# Confirmations and refusals shown after a redirect (translated when the message is made).
FLASH: dict[str, Promise] = {
    "plan_accepted": _(
        "Your choice is confirmed. The schedule is below. You can still withdraw free of charge until "
        "%(until)s."
    ),
    "plan_withdrawn": _("You have withdrawn from the plan. Nothing more will be taken under it."),
    "hardship_requested": _(
        "We have received your request. A person will review it and tell you the outcome. Until then, "
        "nothing changes on your account."
    ),
    "dispute_opened": _(
        "We have received your dispute. We have paused collection while we look into it and will reply "
        "by %(due)s."
    ),
    "complaint_opened": _(
        "We have received your complaint. We have paused collection while we look into it and will "
        "reply by %(due)s."
    ),
    "callback_requested": _("Thank you. We will call you on %(day)s between %(start)s and %(end)s."),
    "opted_out": _("Done. We will no longer contact you by %(channel)s at this address or number."),
    "signed_out": _("You have left the page. To come back, confirm your identity again."),
    "idle": _("For your security, you were signed out after 30 minutes without activity."),
    "window_passed": _("That time has already passed today. Please choose a later time or another day."),
    "option_unavailable": _("That option is no longer available. Please look at the options again."),
    "plan_not_found": _("We could not find that plan. Please look at the page again."),
    "limit_appeal_sent": _(
        "We have received your appeal. A person will review your appeal and tell you their decision by "
        "%(channel)s."
    ),
    "limit_appeal_sent_call": _(
        "We have received your appeal. A person will review your appeal; to hear their decision, please "
        "call us on %(phone)s."
    ),
    "limit_appeal_not_in_effect": _("Until then, the change does not take effect."),
    "limit_appeal_in_effect": _("Until then, the change stays in effect."),
    "limit_change_not_found": _(
        "We could not find that change to your credit limit. Please look at the page again."
    ),
}

# How the decision on an appeal reaches the customer: by the kind of their best verified contact point
# (``credit.selectors.best_verified_point``), the same one ``limit_change_review`` sends it to.
DECISION_CHANNELS: dict[str, Promise] = {
    "phone": _("text message"),
    "email": _("email"),
    "postal": _("letter"),
}


def flash_text(code: str, **params: str) -> str:
    """The confirmation ``code`` in the active language, with its values filled in."""
    return str(FLASH[code]) % params if params else str(FLASH[code])


# Error codes the services use, where a more precise sentence helps the customer.
BY_CODE: dict[str, Promise] = {
    "cooling_off_over": _(
        "The free withdrawal period for this plan has ended. Please call us to talk it over."
    ),
    "case_on_hold": _(
        "While we look into your request, nothing new can start on your account. We will contact you "
        "when we have finished."
    ),
    "live_plan": _("You already have a plan. To choose another, first withdraw from it."),
    "option_unavailable": FLASH["option_unavailable"],
    "outside_contact_hours": _("We cannot call at that time. Please choose another day or time."),
    "invalid_window": _("Please choose a time in the future, within the next 14 days."),
    "case_finished": _("There is nothing left to arrange on this account."),
    "case_terminal": _("There is nothing left to arrange on this account."),
    "exceeds_balance": _("Your balance has changed. Please look at the page again."),
    "already_appealed": _(
        "You have already appealed this change. A person is reviewing it and will tell you their decision."
    ),
    "not_appealable": _("This change can no longer be appealed."),
}


def error_text(exc: DomainError) -> str:
    """The customer's sentence for a domain error, in the active language."""
    phone = settings.CONTACT_PHONE
    if exc.code in BY_CODE:
        return str(BY_CODE[exc.code])
    if isinstance(exc, ComplianceBlocked):
        return gettext(
            "We can't do that at the moment because of the rules that protect you. "
            "Please call us on %(phone)s."
        ) % {"phone": phone}
    if isinstance(exc, TransitionNotAllowed):
        return gettext(
            "That is not possible for your account at the moment. Please call us on %(phone)s."
        ) % {"phone": phone}
    if isinstance(exc, StaleState):
        return gettext("Something changed while you were on this page. Please look again and retry.")
    if isinstance(exc, InvalidInput):
        return gettext("We could not accept that. Please check what you entered and try again.")
    if isinstance(exc, NotPermitted):
        return gettext("This can't be done online. Please call us on %(phone)s.") % {"phone": phone}
    return gettext("Sorry, we could not do that. Please try again or call us on %(phone)s.") % {
        "phone": phone
    }
