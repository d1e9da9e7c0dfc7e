"""The words a customer reads about a credit-limit change: why it was made, and what became of an appeal.

Written in English and translated by gettext (``locale/``), the one mechanism the customer page and the
notices use; each function takes the customer's locale and renders in it. Pure: values in, text out.
"""

from __future__ import annotations

from typing import Final, Protocol

from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

# ``CreditLimitChange.Reason`` values -> the sentence that explains them.
REASON_TEXT: Final = {
    "delinquency": gettext_lazy("Your account has payments that are overdue."),
    "risk_score_change": gettext_lazy(
        "Our latest assessment of your account found a change in its credit risk."
    ),
    "inactivity": gettext_lazy("Your account has not been used for a long time."),
    "customer_request": gettext_lazy("You asked us to make this change."),
    "fraud_suspicion": gettext_lazy(
        "We saw activity on your account that may be fraud, and took this step to protect you."
    ),
}
AUTOMATED_TEXT: Final = gettext_lazy(
    "This decision was made by an automated system; you can ask for a person to review it."
)
# ``CreditLimitChange.Decision`` values -> the decision's label (``appeal_outcome``).
OUTCOME_LABEL: Final = {
    "upheld": gettext_lazy("the change stands"),
    "reversed": gettext_lazy("the change is reversed"),
}
UPHELD: Final = "upheld"


class ExplainedChange(Protocol):
    """What the reason text reads of a ``CreditLimitChange``."""

    @property
    def reason_code(self) -> str: ...
    @property
    def explanation(self) -> str: ...
    @property
    def automated(self) -> bool: ...


def _separator(locale: str) -> str:
    # Chinese sentences follow each other without a space.
    return "" if locale == "zh-hans" else " "


def reason_text(change: ExplainedChange, locale: str) -> str:
    """The reason sentence the customer reads: the reason code's words, the explanation, and (for an
    automated decision) that a person can review it."""
    with translation.override(locale):
        parts = [str(REASON_TEXT[change.reason_code]), change.explanation.strip()]
        if change.automated:
            parts.append(str(AUTOMATED_TEXT))
    return _separator(locale).join(p for p in parts if p)


def outcome_label(decision: str, locale: str) -> str:
    with translation.override(locale):
        return str(OUTCOME_LABEL[decision])


def outcome_text(
    *,
    decision: str,
    is_freeze: bool,
    account_number: str,
    old_limit: str,
    currency: str,
    note: str,
    locale: str,
) -> str:
    """The decision notice's sentence: what the reviewer decided for the account (masked), then the note.

    ``old_limit`` is already formatted for the customer (``notifications.rendering.money``)."""
    params = {"account": f"****{account_number[-4:]}", "limit": f"{old_limit} {currency}"}
    with translation.override(locale):
        if decision == UPHELD:
            head = gettext(
                "A member of our staff reviewed your appeal: the change to the credit limit on account "
                "%(account)s stands."
            )
        elif is_freeze:
            head = gettext(
                "A member of our staff reviewed your appeal and lifted the freeze on account %(account)s."
            )
        else:
            head = gettext(
                "A member of our staff reviewed your appeal and reversed the change: the credit limit on "
                "account %(account)s is %(limit)s."
            )
    return _separator(locale).join([head % params, note.strip()])
