"""The case page's state changes: transition buttons, assignment and placement (one case or a selection).

Each view calls one service (which locks, checks role/scope/state, audits) and turns a ``DomainError``
into an admin message; a mixin of ``CollectionCaseAdmin``, which provides the case lookups.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from debt_collections import services
from debt_collections.admin.access import admin_user
from debt_collections.admin.confirm import (
    IRREVERSIBLE_TRANSITIONS,
    confirmation_page,
    is_confirmed,
    placement_consequences,
    transition_consequences,
)
from debt_collections.admin.forms import (
    AssignForm,
    PlaceForm,
    TransitionForm,
    form_errors_text,
    resolve_agency,
    resolve_assignee,
)
from debt_collections.errors import DomainError
from debt_collections.kernel.audit import Actor
from debt_collections.models import CollectionCase

if TYPE_CHECKING:
    from django.contrib.admin import AdminSite
    from django_stubs_ext import StrPromise


# Button label and a one-line hint for each hand-triggered transition.
TRANSITION_TEXT: dict[str, tuple[StrPromise, StrPromise]] = {
    "escalate": (gettext_lazy("Escalate"), gettext_lazy("Early reminders → active collection.")),
    "engage": (gettext_lazy("Start negotiating"), gettext_lazy("The customer engaged or an offer was made.")),
    "resolve": (gettext_lazy("Resolve"), gettext_lazy("Paid in full: only when nothing is owed.")),
    "hold": (
        gettext_lazy("Put on hold"),
        gettext_lazy("Stops all collection contact; service notices still go out."),
    ),
    "release": (
        gettext_lazy("Release hold"),
        gettext_lazy("Returns to the state saved when the hold began."),
    ),
    "charge_off": (
        gettext_lazy("Charge off"),
        gettext_lazy("Only at or past the policy's days-past-due threshold."),
    ),
    "close": (
        gettext_lazy("Close case"),
        gettext_lazy("Fraud upheld, not our customer, deceased or written off."),
    ),
}


class CaseChangesMixin:
    """Transition, assignment and placement views for ``CollectionCaseAdmin``."""

    if TYPE_CHECKING:  # provided by CollectionCaseAdmin
        admin_site: AdminSite

        def _acting_case(self, request: HttpRequest, object_id: str) -> CollectionCase: ...

        def _change_url(self, case_id: int) -> str: ...

    def transition_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        case = self._acting_case(request, object_id)
        form = TransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
            return HttpResponseRedirect(self._change_url(case.pk))
        user = admin_user(request)
        assert user is not None  # noqa: S101  (admin_view and _acting_case guarantee a staff user)
        name = form.cleaned_data["transition"]
        if name in IRREVERSIBLE_TRANSITIONS and not is_confirmed(request):
            return confirmation_page(
                request,
                admin_context=self.admin_site.each_context(request),
                title=str(TRANSITION_TEXT[name][0]),
                consequences=transition_consequences(case, name, form.params()),
                button=_("Yes, %(action)s") % {"action": str(TRANSITION_TEXT[name][0]).lower()},
                cancel_url=self._change_url(case.pk),
            )
        try:
            updated = services.case_transition(
                case_id=case.pk,
                name=form.cleaned_data["transition"],
                actor=Actor.for_user(user),
                reason=form.cleaned_data["reason"],
                expected_state=form.cleaned_data["expected_state"],
                params=form.params(),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Case #%(id)s is now: %(state)s.")
                % {"id": updated.pk, "state": updated.get_state_display()},
            )
        return HttpResponseRedirect(self._change_url(case.pk))

    def assign_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        case = self._acting_case(request, object_id)
        form = AssignForm(request.POST, agency_id=case.agency_id)
        if form.is_valid():
            assignee = form.cleaned_data["assignee"]
            self._run(
                request,
                lambda actor: services.case_assign(case_id=case.pk, actor=actor, assignee=assignee),
                _("Assigned to %(who)s.") % {"who": assignee or _("nobody")},
            )
        else:
            messages.error(request, form_errors_text(form))
        return HttpResponseRedirect(self._change_url(case.pk))

    def place_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        case = self._acting_case(request, object_id)
        form = PlaceForm(request.POST)
        if form.is_valid():
            agency = form.cleaned_data["agency"]
            if not is_confirmed(request):
                return confirmation_page(
                    request,
                    admin_context=self.admin_site.each_context(request),
                    title=_("Agency placement"),
                    consequences=placement_consequences([case], agency),
                    button=_("Yes, place the case") if agency else _("Yes, bring it in-house"),
                    cancel_url=self._change_url(case.pk),
                )
            success = (
                _("Placed with %(agency)s.") % {"agency": agency.name}
                if agency
                else _("Brought back in-house.")
            )
            self._run(
                request,
                lambda actor: services.case_place_with_agency(case_id=case.pk, actor=actor, agency=agency),
                success,
            )
        else:
            messages.error(request, form_errors_text(form))
        return HttpResponseRedirect(self._change_url(case.pk))

    def _run(self, request: HttpRequest, call: Callable[[Actor], object], success: str) -> bool:
        user = admin_user(request)
        assert user is not None  # noqa: S101
        try:
            call(Actor.for_user(user))
        except DomainError as exc:
            messages.error(request, exc.message)
            return False
        messages.success(request, success)
        return True

    # --- bulk actions for supervisors ----------------------------------------------------------

    @admin.action(
        description=gettext_lazy("Assign selected cases to the chosen person"), permissions=["manage"]
    )
    def assign_selected(self, request: HttpRequest, queryset: QuerySet[CollectionCase]) -> None:
        try:
            assignee = resolve_assignee(request.POST.get("assignee", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return
        self._bulk(
            request,
            queryset,
            lambda case_id, actor: services.case_assign(case_id=case_id, actor=actor, assignee=assignee),
        )

    @admin.action(
        description=gettext_lazy("Place selected cases with the chosen agency"), permissions=["manage"]
    )
    def place_selected(self, request: HttpRequest, queryset: QuerySet[CollectionCase]) -> HttpResponse | None:
        try:
            agency = resolve_agency(request.POST.get("agency", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return None
        if not is_confirmed(request):
            return confirmation_page(
                request,
                admin_context=self.admin_site.each_context(request),
                title=_("Agency placement"),
                consequences=placement_consequences(queryset, agency),
                button=_("Yes, place the cases") if agency else _("Yes, bring them in-house"),
                cancel_url=request.get_full_path(),
            )
        self._bulk(
            request,
            queryset,
            lambda case_id, actor: services.case_place_with_agency(
                case_id=case_id, actor=actor, agency=agency
            ),
        )
        return None

    def _bulk(
        self, request: HttpRequest, queryset: QuerySet[CollectionCase], call: Callable[[int, Actor], object]
    ) -> None:
        """One service call (one transaction) per case, so one refusal does not undo the others."""
        user = admin_user(request)
        assert user is not None  # noqa: S101
        actor = Actor.for_user(user)
        done, failures = 0, []
        for case_id in queryset.values_list("pk", flat=True):
            try:
                call(case_id, actor)
            except DomainError as exc:
                failures.append(f"#{case_id}: {exc.message}")
            else:
                done += 1
        if done:
            messages.success(request, _("%(count)d case(s) updated.") % {"count": done})
        if failures:
            messages.error(request, _("Not updated: %(list)s") % {"list": " ".join(failures)})
