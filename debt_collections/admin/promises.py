"""The case page's promises to pay (issue 14): the list (open, kept, broken, cancelled, what replaced
what) and the forms to take one (usually right after a call) or cancel one.

Mixed into ``CollectionCaseAdmin`` next to ``CaseActionsMixin``, whose ``_post_action`` gives every view
the same shape (POST, scope 404, role 403, form, one service, message, back to the section).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from debt_collections import selectors
from debt_collections.admin.display import money
from debt_collections.admin.widget_render import CASE_PAGE_RENDERER
from debt_collections.kernel.audit import Actor
from debt_collections.models import TERMINAL, CaseState, CollectionCase, ContactAttempt, PromiseToPay
from debt_collections.services.promises import MAX_PROMISE_DAYS, promise_cancel, promise_take

if TYPE_CHECKING:
    from django.contrib.admin import AdminSite

    from accounts.models import User

SECTION = "case-promises"


class PromiseForm(forms.Form):
    default_renderer = CASE_PAGE_RENDERER  # Django's widget markup, written without templates
    amount = forms.DecimalField(label=gettext_lazy("Amount"), min_value=0, decimal_places=2, max_digits=14)
    due_date = forms.DateField(
        label=gettext_lazy("Will pay by (customer's date)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    attempt = forms.ModelChoiceField(
        queryset=ContactAttempt.objects.none(),
        required=False,
        label=gettext_lazy("Taken on the call"),
        help_text=gettext_lazy("Leave empty when the promise was not made on a logged call."),
    )

    def __init__(self, *args: Any, case: CollectionCase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["attempt"]
        field.queryset = ContactAttempt.objects.filter(  # type: ignore[attr-defined]
            case=case, channel=ContactAttempt.Channel.CALL, connected=True
        ).order_by("-placed_at", "-pk")[:10]


class PromiseCancelForm(forms.Form):
    default_renderer = CASE_PAGE_RENDERER  # Django's widget markup, written without templates
    promise = forms.ModelChoiceField(queryset=PromiseToPay.objects.none(), label=gettext_lazy("Promise"))
    reason = forms.CharField(max_length=200, label=gettext_lazy("Why"))

    def __init__(self, *args: Any, case: CollectionCase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["promise"].queryset = PromiseToPay.objects.filter(  # type: ignore[attr-defined]
            case=case, state="open"
        )


def promise_rows(case: CollectionCase) -> list[dict[str, Any]]:
    rows = []
    for p in case.promises.select_related("replaced_by", "follow_up").order_by("-taken_at", "-pk")[:20]:
        rows.append(
            {
                "promise": p,
                "amount": money(p.amount, p.currency),
                "paid": money(p.paid_amount, p.currency) if p.decided_at else "—",
                "replaced_by": p.replaced_by_id,
            }
        )
    return rows


class PromiseActionsMixin:
    """Promise views and context for ``CollectionCaseAdmin``; see the module docstring."""

    admin_site: AdminSite
    PROMISE_VIEWS: dict[str, str] = {
        "take_promise": "take_promise_view",
        "cancel_promise": "cancel_promise_view",
    }

    if TYPE_CHECKING:  # provided by CollectionCaseAdmin and CaseActionsMixin

        def _post_action(
            self,
            request: HttpRequest,
            object_id: str,
            *,
            form: Callable[[CollectionCase], forms.Form],
            call: Callable[[CollectionCase, dict[str, Any], Actor, datetime], tuple[int, str]],
            section: str,
            allowed: Callable[[User | None], bool] = ...,
        ) -> HttpResponse: ...

    def promise_urls(self) -> list[URLPattern]:
        return [
            path(
                f"<path:object_id>/{suffix}/",
                self.admin_site.admin_view(getattr(self, view)),
                name=f"collections_collectioncase_{suffix}",
            )
            for suffix, view in self.PROMISE_VIEWS.items()
        ]

    def promises_context(self, case: CollectionCase, *, may_act: bool) -> dict[str, Any]:
        now = timezone.now()
        context: dict[str, Any] = {
            "promise_rows": promise_rows(case),
            "promise_urls": {
                suffix: reverse(
                    f"admin:collections_collectioncase_{suffix}",
                    args=[case.pk],
                    current_app=self.admin_site.name,
                )
                for suffix in self.PROMISE_VIEWS
            },
        }
        if may_act and case.state not in TERMINAL and case.state != CaseState.ON_HOLD:
            today = selectors.customer_today(case, now)
            form = PromiseForm(
                case=case, auto_id="id_promise_%s", initial={"due_date": today + timedelta(days=3)}
            )
            form.fields["due_date"].widget.attrs.update(
                {
                    "min": today.isoformat(),
                    "max": (today + timedelta(days=MAX_PROMISE_DAYS)).isoformat(),
                }
            )
            context["promise_form"] = form
            if any(r["promise"].state == "open" for r in context["promise_rows"]):
                context["promise_cancel_form"] = PromiseCancelForm(case=case, auto_id="id_promise_cancel_%s")
        return context

    def take_promise_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def call(case: CollectionCase, data: dict[str, Any], actor: Actor, now: datetime) -> tuple[int, str]:
            attempt = data.get("attempt")
            promise = promise_take(
                case_id=case.pk,
                amount=data["amount"],
                due_date=data["due_date"],
                channel="call" if attempt is not None else "admin",
                attempt_id=attempt.pk if attempt is not None else None,
                actor=actor,
                now=now,
            )
            if promise.replaces.exists():
                return messages.SUCCESS, _(
                    "Promise recorded; it replaces the customer's earlier open promise."
                )
            return messages.SUCCESS, _("Promise recorded; a confirmation goes to the customer.")

        return self._post_action(
            request,
            object_id,
            form=lambda case: PromiseForm(request.POST, case=case),
            call=call,
            section=SECTION,
        )

    def cancel_promise_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def call(case: CollectionCase, data: dict[str, Any], actor: Actor, now: datetime) -> tuple[int, str]:
            promise_cancel(promise_id=data["promise"].pk, reason=data["reason"], actor=actor, now=now)
            return messages.SUCCESS, _("Promise cancelled.")

        return self._post_action(
            request,
            object_id,
            form=lambda case: PromiseCancelForm(request.POST, case=case),
            call=call,
            section=SECTION,
        )
