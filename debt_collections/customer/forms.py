"""Forms of the negotiation page. Plain HTML forms: every one works without JavaScript.

Amounts are never taken from a form: the option a customer accepts is recomputed on the server from its
code, and a hardship request asks to waive the whole current balance of the chosen component.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from debt_collections.credit.limits import APPEAL_MAX_LENGTH
from debt_collections.models import Dispute

# The windows a customer can pick for a call back, in their own local time: inside every pack's contact
# window (the strictest ends at 20:00), so a valid choice is never refused for the hour alone.
CALLBACK_WINDOWS: dict[str, tuple[time, time]] = {
    "morning": (time(9, 0), time(12, 0)),
    "midday": (time(12, 0), time(14, 0)),
    "afternoon": (time(14, 0), time(17, 0)),
    "evening": (time(17, 0), time(20, 0)),
}
CALLBACK_DAYS_AHEAD = 14

# Kinds a customer can dispute on the page (a complaint about conduct has its own form).
DISPUTE_KINDS = [
    (Dispute.Kind.NOT_MY_DEBT.value, _("This is not my account")),
    (Dispute.Kind.IDENTITY_THEFT.value, _("Someone used my identity")),
    (Dispute.Kind.AMOUNT_WRONG.value, _("The amount is wrong")),
    (Dispute.Kind.ALREADY_PAID.value, _("I have already paid")),
    (Dispute.Kind.CREDIT_REPORT.value, _("I object to what is reported to the credit bureau")),
]
WAIVER_COMPONENTS = {"fees": _("Fees"), "penalty_interest": _("Penalty interest")}
OPT_OUT_CHANNELS = {"sms": _("text message (SMS)"), "call": _("phone calls"), "email": _("email")}


class PageForm(forms.Form):
    """Django renders ``aria-invalid`` and ``aria-describedby`` (help text, errors) on each field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Labels are phrases or questions ("Date of birth", "What is wrong?"): no colon after them.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class VerifyForm(PageForm):
    national_id_last4 = forms.CharField(
        label=_("Last 4 characters of your ID number"),
        min_length=4,
        max_length=4,
        validators=[RegexValidator(r"^[0-9A-Za-z]{4}$", _("Enter the last 4 characters (digits or X)."))],
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "size": 6}
        ),
    )
    # A text field in the hint's own format (year-month-day): a browser date picker shows mm/dd/yyyy or
    # dd/mm/yyyy by the phone's locale, which contradicted the hint (issue 12).
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        help_text=_("Year-month-day, for example 1990-01-31"),
        input_formats=["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"],
        widget=forms.DateInput(
            attrs={
                "autocomplete": "bday",
                "inputmode": "numeric",
                "placeholder": "1990-01-31",
                "pattern": r"\d{4}[-/.]?\d{1,2}[-/.]?\d{1,2}",
                "size": 12,
            },
            format="%Y-%m-%d",
        ),
    )


class AcceptForm(PageForm):
    option = forms.CharField(max_length=40)


class WithdrawForm(PageForm):
    plan = forms.IntegerField(min_value=1)


class HardshipForm(PageForm):
    prefix = "hardship"

    component = forms.ChoiceField(label=_("What should we waive?"), choices=())
    reason = forms.CharField(
        label=_("Tell us briefly what has changed (job loss, illness, family situation…)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, components: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["component"].choices = components  # type: ignore[attr-defined]


class DisputeForm(PageForm):
    prefix = "dispute"

    kind = forms.ChoiceField(label=_("What is wrong?"), choices=DISPUTE_KINDS)
    description = forms.CharField(
        label=_("Please explain"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ComplaintForm(PageForm):
    prefix = "complaint"

    description = forms.CharField(
        label=_("What happened?"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class CallbackForm(PageForm):
    prefix = "callback"

    day = forms.DateField(
        label=_("Day"),
        help_text=_("Within the next 14 days"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    window = forms.ChoiceField(label=_("Time (your local time)"), choices=())

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["window"].choices = [  # type: ignore[attr-defined]
            (key, f"{start:%H:%M}–{end:%H:%M}") for key, (start, end) in CALLBACK_WINDOWS.items()
        ]
        self.fields["day"].widget.attrs.update(
            {"min": today.isoformat(), "max": (today + timedelta(days=CALLBACK_DAYS_AHEAD)).isoformat()}
        )

    def clean_day(self) -> date:
        day: date = self.cleaned_data["day"]
        if not self.today <= day <= self.today + timedelta(days=CALLBACK_DAYS_AHEAD):
            raise forms.ValidationError(_("Choose a day between today and 14 days from now."))
        return day


class LimitAppealForm(PageForm):
    """An appeal against one credit-limit change; one form per change, so ids on the page stay unique."""

    text = forms.CharField(
        label=_("Why do you disagree with this change?"),
        help_text=_("A person, not an automated system, reviews every appeal."),
        max_length=APPEAL_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, change_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"appeal-{change_id}")
        super().__init__(*args, **kwargs)
        self.change_id = change_id


class OptOutForm(PageForm):
    prefix = "optout"

    channel = forms.ChoiceField(label=_("Stop contact by"), choices=(), widget=forms.RadioSelect)

    def __init__(
        self,
        *args: Any,
        channels: list[str] | None = None,
        choices: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if choices is None:
            choices = [(c, str(OPT_OUT_CHANNELS[c])) for c in channels or []]
        self.fields["channel"].choices = choices  # type: ignore[attr-defined]
