"""Forms of the workspace: they only parse and validate; the views call selectors and services."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth.models import Group

from accounts.models import Agency, Locale, Role, User
from compliance.reports import DEFAULT_DAYS, ReportFilters
from debt_collections.models import CollectionCase
from debt_collections.policies import PACK_CHOICES
from notifications.models import Channel

DATE = forms.DateInput(attrs={"type": "date"})
MAX_RANGE_DAYS = 3 * 366


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(label="From (UTC)", required=False, widget=DATE)
    date_to = forms.DateField(label="To (UTC)", required=False, widget=DATE)
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.order_by("name"), required=False, empty_label="All agencies"
    )
    agent = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="All agents")
    pack = forms.ChoiceField(
        label="Pack (jurisdiction)", choices=[("", "All packs"), *PACK_CHOICES], required=False
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        agents = Group.objects.filter(name=Role.AGENT).values("user")
        self.fields["agent"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            pk__in=agents
        ).order_by("username")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start = data.get("date_from") or self.today - timedelta(days=DEFAULT_DAYS - 1)
        end = data.get("date_to") or self.today
        if start > end:
            raise forms.ValidationError("The start date is after the end date.")
        if (end - start).days > MAX_RANGE_DAYS:
            raise forms.ValidationError("Choose a range of at most three years.")
        data["date_from"], data["date_to"] = start, end
        return data

    def filters(self) -> ReportFilters:
        """The validated filters, or the default (last 90 days) when the form is invalid."""
        if not self.is_valid():
            return ReportFilters.last_days(self.today)
        data = self.cleaned_data
        return ReportFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            agency_id=data["agency"].pk if data.get("agency") else None,
            agent_id=data["agent"].pk if data.get("agent") else None,
            pack=data.get("pack") or "",
        )


class EvidenceExportForm(forms.Form):
    date_from = forms.DateField(label="From (UTC)", widget=DATE)
    date_to = forms.DateField(label="To (UTC)", widget=DATE)
    case = forms.IntegerField(
        label="Case id (optional)",
        required=False,
        min_value=1,
        help_text="Only this case's span: every event from its first to its last in the range, the "
        "case's own marked (others are needed for the hashes to verify).",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error(None, "The start date is after the end date.")
        case_id = data.get("case")
        if case_id is not None and not CollectionCase.objects.filter(pk=case_id).exists():
            self.add_error("case", f"There is no case {case_id}.")
        return data


class TemplateDraftForm(forms.Form):
    key = forms.RegexField(
        regex=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$",
        max_length=64,
        help_text="e.g. reminder.soft (lower case, dots between words)",
        error_messages={"invalid": "Use lower-case letters, digits and underscores, with dots between."},
    )
    channel = forms.ChoiceField(choices=Channel.choices)
    locale = forms.ChoiceField(choices=Locale.choices)
    subject = forms.CharField(max_length=200, required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 12, "cols": 80}))
    limited_content = forms.BooleanField(
        required=False, help_text="No amount, no creditor detail: may go to an unverified contact point."
    )
    is_service = forms.BooleanField(
        required=False, help_text="An acknowledgement or confirmation the customer is owed, even on hold."
    )


class DecisionForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(forms.Form):
    note = forms.CharField(
        label="Reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), strip=True
    )
