"""Forms behind the case page's buttons and the worklist's bulk actions.

They only validate input; the services decide whether the action is allowed (role, scope, state,
licence) and say why not, so the admin never duplicates those rules.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency, Role, User
from debt_collections.admin.widget_render import CASE_PAGE_RENDERER
from debt_collections.kernel.access import MANUAL_TRANSITIONS
from debt_collections.models import CaseState, CloseReason, HoldReason

REASON_MAX_LENGTH = 500


def eligible_assignees(agency_id: int | None = None, *, any_agency: bool = False) -> QuerySet[User]:
    """Active staff who work cases: the case's own organisation's people (``agency_id`` None = in-house)."""
    qs = User.objects.filter(
        is_active=True, is_staff=True, groups__name__in=[Role.AGENT, Role.SUPERVISOR]
    ).distinct()
    if not any_agency:
        qs = qs.filter(agency__isnull=True) if agency_id is None else qs.filter(agency_id=agency_id)
    return qs.select_related("agency").order_by("username")


def assignee_label(user: User) -> str:
    name = user.get_full_name() or user.username
    return f"{name} ({user.agency.name})" if user.agency is not None else name


def agency_label(agency: Agency) -> str:
    if agency.is_valid_on(timezone.localdate()):
        return str(agency)
    return str(_("%(agency)s: licence or contract not valid today") % {"agency": agency})


class AssigneeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return assignee_label(obj)


class TransitionForm(forms.Form):
    default_renderer = CASE_PAGE_RENDERER  # Django's widget markup, written without templates
    transition = forms.ChoiceField(choices=[(name, name) for name in MANUAL_TRANSITIONS])
    # The state the page showed: the service refuses the transition if the case has moved since.
    expected_state = forms.ChoiceField(choices=CaseState.choices)
    reason = forms.CharField(required=False, max_length=REASON_MAX_LENGTH)
    hold_reason = forms.ChoiceField(choices=[("", "—"), *HoldReason.choices], required=False)
    close_reason = forms.ChoiceField(choices=[("", "—"), *CloseReason.choices], required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("transition") == "hold" and not data.get("hold_reason"):
            self.add_error("hold_reason", _("Choose why the case is put on hold."))
        if data.get("transition") == "close" and not data.get("close_reason"):
            self.add_error("close_reason", _("Choose why the case is closed."))
        return data

    def params(self) -> dict[str, str]:
        """The transition-specific arguments for ``services.case_transition``."""
        name = self.cleaned_data["transition"]
        if name == "hold":
            return {"hold_reason": self.cleaned_data["hold_reason"]}
        if name == "close":
            return {"close_reason": self.cleaned_data["close_reason"]}
        return {}


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return agency_label(obj)


class AssignForm(forms.Form):
    default_renderer = CASE_PAGE_RENDERER  # Django's widget markup, written without templates
    assignee = AssigneeChoiceField(
        queryset=User.objects.none(), required=False, empty_label=_("— nobody (unassign) —")
    )

    def __init__(self, *args: Any, agency_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101  (narrowing for mypy)
        field.queryset = eligible_assignees(agency_id)


class PlaceForm(forms.Form):
    default_renderer = CASE_PAGE_RENDERER  # Django's widget markup, written without templates
    # Every agency is a valid *choice* (lapsed ones are labelled); whether its licence and contract
    # allow a placement today is the service's decision, and its refusal message names the dates.
    agency = AgencyChoiceField(
        queryset=Agency.objects.all(), required=False, empty_label=_("— in-house (no agency) —")
    )


# Explicit choices for "no one" in the action bar. The empty choice means "not chosen", so a supervisor
# who runs "assign" and forgets to pick someone gets an error, not a bulk unassignment.
NOBODY = "nobody"
IN_HOUSE = "in-house"
NOT_CHOSEN = ("", "---------")


def _assignee_choices() -> list[tuple[str, str]]:
    people = [(str(u.pk), assignee_label(u)) for u in eligible_assignees(any_agency=True)]
    return [NOT_CHOSEN, (NOBODY, str(_("Nobody (unassign)"))), *people]


def _agency_choices() -> list[tuple[str, str]]:
    agencies = [(str(a.pk), agency_label(a)) for a in Agency.objects.all()]
    return [NOT_CHOSEN, (IN_HOUSE, str(_("In-house (no agency)"))), *agencies]


class CaseActionForm(helpers.ActionForm):
    """The worklist's action bar, with the targets of the bulk assignment and placement actions."""

    default_renderer = CASE_PAGE_RENDERER  # Django's widget markup, written without templates

    assignee = forms.ChoiceField(choices=[NOT_CHOSEN], required=False, label=_("Assign to"))
    agency = forms.ChoiceField(choices=[NOT_CHOSEN], required=False, label=_("Place with"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read once per form, not per access: a callable ``choices`` is re-run each time the widget
        # looks at it (twice per render), and not at import time, when the tables may not exist.
        self.fields["assignee"].choices = _assignee_choices()  # type: ignore[attr-defined]
        self.fields["agency"].choices = _agency_choices()  # type: ignore[attr-defined]


def resolve_assignee(value: str) -> User | None:
    """The action bar's assignee: None for "nobody". Raises ``ValidationError`` if none was chosen."""
    if value == NOBODY:
        return None
    user = eligible_assignees(any_agency=True).filter(pk=value).first() if value.isdigit() else None
    if user is None:
        raise ValidationError(_("Choose whom to assign the cases to (or “Nobody”)."))
    return user


def resolve_agency(value: str) -> Agency | None:
    """The action bar's agency: None for in-house. Raises ``ValidationError`` if none was chosen."""
    if value == IN_HOUSE:
        return None
    agency = Agency.objects.filter(pk=value).first() if value.isdigit() else None
    if agency is None:
        raise ValidationError(_("Choose the agency to place the cases with (or “In-house”)."))
    return agency


def form_errors_text(form: forms.Form) -> str:
    """All of a form's errors on one line, for an admin message."""
    return " ".join(str(message) for messages in form.errors.values() for message in messages)
