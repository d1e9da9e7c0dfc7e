"""The customer page's "pay or promise to pay" section (issue 14): the open promise, the form "I will pay
X on D", and what can be paid now. Merged into the verified page's context by ``views.render_page``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from debt_collections import selectors
from debt_collections.customer.blank_forms import form_or_blank
from debt_collections.customer.context import money
from debt_collections.customer.forms import PageForm
from debt_collections.models import TERMINAL, CaseState, IntentPurpose, NegotiationLink, PromiseState
from debt_collections.services.online_payments import UNREAD, payable_amounts
from debt_collections.services.promises import MAX_PROMISE_DAYS

PURPOSE_LABELS = {
    IntentPurpose.INSTALLMENT.value: _("Pay the next installment"),
    IntentPurpose.PROMISE.value: _("Pay what I promised"),
    IntentPurpose.BALANCE.value: _("Pay the whole balance"),
}


class PromiseForm(PageForm):
    prefix = "promise"

    amount = forms.DecimalField(label=_("Amount I will pay"), min_value=Decimal("0.01"), decimal_places=2)
    due_date = forms.DateField(
        label=_("I will pay by"),
        help_text=_("Within the next 30 days"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["due_date"].widget.attrs.update(
            {"min": today.isoformat(), "max": (today + timedelta(days=MAX_PROMISE_DAYS)).isoformat()}
        )

    def clean_due_date(self) -> date:
        day: date = self.cleaned_data["due_date"]
        if not self.today <= day <= self.today + timedelta(days=MAX_PROMISE_DAYS):
            raise forms.ValidationError(_("Choose a day between today and 30 days from now."))
        return day


def paying_context(
    link: NegotiationLink, now: datetime, forms_: dict[str, Any], *, live_plan: Any = UNREAD
) -> dict[str, Any]:
    """The open promise, the promise form (bound with errors when given in ``forms_``) and what can be
    paid now. ``live_plan``: the case's live plan (or ``None``) when the page has already read it."""
    case = link.case
    promise = case.promises.filter(state=PromiseState.OPEN).first()
    may_promise = case.state not in TERMINAL and case.state != CaseState.ON_HOLD
    today = selectors.customer_today(case, now)
    payables = [
        {"purpose": p.purpose, "label": PURPOSE_LABELS[p.purpose], "amount": money(p.amount)}
        for p in payable_amounts(case, now, plan=live_plan, promise=promise)
    ]
    return {
        "payables": payables,
        "payment_provider": settings.PAYMENT_PROVIDER,
        "open_promise": {
            "amount": money(promise.amount),
            "due_date": promise.due_date,
        }
        if promise is not None
        else None,
        "promise_form": form_or_blank(
            forms_.get("promise_form"), ("promise", today), lambda: PromiseForm(today=today)
        )
        if may_promise
        else None,
    }
