"""The case page's way back for a number quarantined by mistake (issue 12, the admin button of issue 14).

A supervisor or compliance officer, after verifying the customer through another channel, restores the
customer's own wrong-party number for that customer only. The view is thin: POST, the case in the
user's scope (404), the role (403; the service checks it again, first), the form, one service
(``contact_quarantine_release_for_customer``: audited, the work queue recomputed), a message. Compliance
officers may use it although they change nothing else on a case: restoring contact is theirs to decide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import ContactPoint
from debt_collections.admin.access import admin_user
from debt_collections.admin.forms import form_errors_text
from debt_collections.admin.widget_render import CASE_PAGE_RENDERER
from debt_collections.errors import DomainError
from debt_collections.kernel.access import may
from debt_collections.kernel.audit import Actor
from debt_collections.models import CollectionCase
from debt_collections.services.quarantine_release import contact_quarantine_release_for_customer

if TYPE_CHECKING:
    from django.contrib.admin import AdminSite

    from accounts.models import User

SECTION = "case-outcome"  # the message at the top of the viewport
SUFFIX = "restore_number"


def may_restore(user: User | None) -> bool:
    """Hides the form from people the service would refuse (the service decides)."""
    return user is not None and may(user, "quarantine.release")


class RestoreNumberForm(forms.Form):
    default_renderer = CASE_PAGE_RENDERER  # Django's widget markup, written without templates
    contact_point = forms.ModelChoiceField(
        queryset=ContactPoint.objects.none(), label=gettext_lazy("Number"), empty_label=None
    )
    verified_via = forms.CharField(
        max_length=200,
        label=gettext_lazy("Identity verified through"),
        help_text=gettext_lazy("Another channel: a call to the number on the contract, a branch visit."),
    )
    reason = forms.CharField(max_length=500, label=gettext_lazy("Why it is restored"))

    def __init__(self, *args: Any, case: CollectionCase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["contact_point"]
        field.queryset = ContactPoint.objects.filter(  # type: ignore[attr-defined]
            customer_id=case.customer_id, status=ContactPoint.Status.WRONG_PARTY
        )
        field.label_from_instance = lambda point: point.masked_value  # type: ignore[attr-defined]


class RestoreNumberMixin:
    """The restore view and its form's context for ``CollectionCaseAdmin``."""

    admin_site: AdminSite

    if TYPE_CHECKING:  # provided by CollectionCaseAdmin

        def _case_or_404(self, request: HttpRequest, object_id: str) -> CollectionCase: ...
        def _change_url(self, case_id: int) -> str: ...

    def restore_urls(self) -> list[URLPattern]:
        return [
            path(
                f"<path:object_id>/{SUFFIX}/",
                self.admin_site.admin_view(self.restore_number_view),
                name=f"collections_collectioncase_{SUFFIX}",
            )
        ]

    def restore_context(
        self, request: HttpRequest, case: CollectionCase, points: list[ContactPoint]
    ) -> dict[str, Any]:
        if not may_restore(admin_user(request)):
            return {}
        if not any(p.status == ContactPoint.Status.WRONG_PARTY for p in points):
            return {}
        return {
            "restore_form": RestoreNumberForm(case=case, auto_id="id_restore_%s"),
            "restore_url": reverse(
                f"admin:collections_collectioncase_{SUFFIX}", args=[case.pk], current_app=self.admin_site.name
            ),
        }

    def restore_number_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        case = self._case_or_404(request, object_id)
        user = admin_user(request)
        if not may_restore(user):
            raise PermissionDenied
        assert user is not None  # noqa: S101  (may_restore)
        form = RestoreNumberForm(request.POST, case=case)
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
        else:
            point = form.cleaned_data["contact_point"]
            try:
                contact_quarantine_release_for_customer(
                    contact_point_id=point.pk,
                    actor=Actor.for_user(user),
                    verified_via=form.cleaned_data["verified_via"],
                    reason=form.cleaned_data["reason"],
                    now=timezone.now(),
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("%(point)s is restored for this customer only; it stays quarantined for anyone else.")
                    % {"point": point.masked_value},
                )
        return HttpResponseRedirect(f"{self._change_url(case.pk)}#{SECTION}")
