"""Forms behind the case page's contact and negotiation actions and the queues' decision pages.

Like ``forms``, they only validate input (types, lengths, choices); whether the action is allowed now
(role, scope, state, the compliance gate, authority limits, four-eyes) is the service's decision, and
its refusal becomes the admin message. Contact points are always labelled masked: the full number or
address never reaches the page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import MONEY_DIGITS, MONEY_PLACES, ContactPoint, Customer
from debt_collections.admin.widget_render import CASE_PAGE_RENDERER
from debt_collections.models import ContactAttempt, Dispute, FeeWaiver
from debt_collections.policies import PAYMENT_COMPONENTS
from notifications.models import NoticeTemplate
from notifications.services import SERVICE_ONLY_KEYS

NOTE_MAX_LENGTH = 2000

# Keys other services send with the context they need (a plan's schedule, a dispute's dates, the signed
# link, the credit-report record): never offered here. The outbox service refuses them too (whoever asks
# without being their service), so the API cannot send them either.
SENT_BY_THEIR_SERVICE: frozenset[str] = SERVICE_ONLY_KEYS


def contact_point_label(point: ContactPoint) -> str:
    """``SMS/phone +861****1234 (verified)``: masked, with what the gate will look at."""
    return f"{point.get_kind_display()} {point.masked_value} ({point.get_status_display()})"


def customer_points(customer: Customer) -> list[ContactPoint]:
    """The customer's contact points, read once per page and shared by every form that offers them."""
    return list(ContactPoint.objects.filter(customer=customer).order_by("kind", "pk"))


class _CustomerPointForm(forms.Form):
    """A form whose ``contact_point`` is one of the case's customer's own points of ``kinds``.

    Only the customer's own points are offered: the admin never lets an agent pick someone else's
    number (THIRD_PARTY is still the gate's rule, for every other entry point). ``points`` is the
    customer's list (``customer_points``), so several forms on one page cost one query; the cleaned
    value is the ``ContactPoint``.
    """

    default_renderer = CASE_PAGE_RENDERER  # Django's widget markup, written without templates

    kinds: tuple[str, ...] = (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL, ContactPoint.Kind.POSTAL)
    contact_point = forms.TypedChoiceField(choices=(), coerce=int, label=_("Contact point"))

    def __init__(self, *args: Any, points: list[ContactPoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.points = {p.pk: p for p in points if p.kind in self.kinds}
        choices = [(pk, contact_point_label(p)) for pk, p in self.points.items()]
        self.fields["contact_point"].choices = [("", "---------"), *choices]  # type: ignore[attr-defined]

    def clean_contact_point(self) -> ContactPoint:
        return self.points[self.cleaned_data["contact_point"]]


class LogCallForm(_CustomerPointForm):
    kinds = (ContactPoint.Kind.PHONE,)
    direction = forms.ChoiceField(
        choices=ContactAttempt.Direction.choices,
        initial=ContactAttempt.Direction.OUTBOUND,
        label=_("Direction"),
    )
    connected = forms.BooleanField(required=False, label=_("Connected"))
    conversation = forms.BooleanField(
        required=False,
        label=_("Conversation about the debt"),
        help_text=_("Starts the quiet period: no new call for the policy's number of days."),
    )
    outcome = forms.ChoiceField(choices=ContactAttempt.Outcome.choices, required=False, label=_("Outcome"))
    note = forms.CharField(
        required=False, max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2}), label=_("Note")
    )


def manual_notice_keys() -> list[str]:
    """Keys with an approved version that an agent may send by hand, sorted."""
    keys = (
        NoticeTemplate.objects.filter(status=NoticeTemplate.Status.APPROVED)
        .order_by()  # without the model's ordering, which DISTINCT would otherwise include
        .values_list("key", flat=True)
        .distinct()
    )
    return sorted(set(keys) - SENT_BY_THEIR_SERVICE)


class SendNoticeForm(_CustomerPointForm):
    template_key = forms.ChoiceField(choices=(), label=_("Notice"))

    def __init__(self, *args: Any, points: list[ContactPoint], **kwargs: Any) -> None:
        super().__init__(*args, points=points, **kwargs)
        # Read per form (not at import time: the table may not exist yet, and approvals change it).
        self.fields["template_key"].choices = [(key, key) for key in manual_notice_keys()]  # type: ignore[attr-defined]


class SendLinkForm(_CustomerPointForm):
    # The link travels in the plan.offer notice: SMS or email only.
    kinds = (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL)


def _money_field(**kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


class PaymentForm(forms.Form):
    default_renderer = CASE_PAGE_RENDERER  # Django's widget markup, written without templates
    external_reference = forms.CharField(max_length=64, label=_("External reference"))
    amount = _money_field(label=_("Amount"))
    currency = forms.CharField(min_length=3, max_length=3, label=_("Currency"))
    # The admin's active time zone is UTC (a system check refuses another TIME_ZONE).
    received_at = forms.DateTimeField(
        label=_("Received at (UTC)"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class DisputeForm(forms.Form):
    default_renderer = CASE_PAGE_RENDERER  # Django's widget markup, written without templates
    CHANNELS = (
        ("phone", _("Phone call")),
        ("email", _("Email")),
        ("letter", _("Letter")),
        ("in_person", _("In person")),
        ("other", _("Other")),
    )

    kind = forms.ChoiceField(choices=Dispute.Kind.choices, label=_("Kind"))
    channel = forms.ChoiceField(choices=CHANNELS, initial="phone", label=_("Raised by"))
    description = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("What the customer says"),
    )
    disputed_amount = _money_field(required=False, label=_("Disputed amount (optional)"))
    disputed_component = forms.ChoiceField(
        choices=[("", "—"), *((c, c.replace("_", " ")) for c in PAYMENT_COMPONENTS)],
        required=False,
        label=_("In balance component"),
    )


class WaiverRequestForm(forms.Form):
    default_renderer = CASE_PAGE_RENDERER  # Django's widget markup, written without templates
    component = forms.ChoiceField(choices=FeeWaiver.Component.choices, label=_("Component"))
    amount = _money_field(label=_("Amount"))
    reason = forms.CharField(
        max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason")
    )
    hardship = forms.BooleanField(required=False, label=_("Hardship"))


class WaiverDecisionForm(forms.Form):
    default_renderer = CASE_PAGE_RENDERER  # Django's widget markup, written without templates
    DECISIONS = (("approve", _("Approve")), ("reject", _("Reject")))

    decision = forms.ChoiceField(choices=DECISIONS)
    note = forms.CharField(required=False, max_length=NOTE_MAX_LENGTH, label=_("Note"))


class PlanOfferForm(forms.Form):
    default_renderer = CASE_PAGE_RENDERER  # Django's widget markup, written without templates
    option_code = forms.ChoiceField(choices=(), label=_("Option"))

    def __init__(self, *args: Any, options: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["option_code"].choices = options  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    """The intermediate page of a "reject" queue action: the reason the requester will read."""

    default_renderer = CASE_PAGE_RENDERER  # Django's widget markup, written without templates

    note = forms.CharField(
        max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}), label=_("Reason")
    )


class DisputeResolveForm(forms.Form):
    default_renderer = CASE_PAGE_RENDERER  # Django's widget markup, written without templates
    OUTCOMES = ((Dispute.Status.UPHELD, _("Upheld")), (Dispute.Status.REJECTED, _("Rejected (not upheld)")))

    outcome = forms.ChoiceField(choices=OUTCOMES, widget=forms.RadioSelect, label=_("Outcome"))
    outcome_text = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        label=_("Explanation sent to the customer"),
    )
