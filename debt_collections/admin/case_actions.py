"""The case page's contact and negotiation actions, and the read-only sections around them.

Mixed into ``CollectionCaseAdmin`` (``cases``): ``action_urls`` adds one custom admin URL per action and
``actions_context`` adds the forms and the record sections to the change page. Every view is POST only,
finds the case through the admin's scoped queryset (404 outside it), checks the role (403), calls one
service, turns a ``DomainError`` into an admin message and redirects back to the section it acted on.
The one view that calls two services, the negotiation link, says why on its docstring.

A compliance block is reported in plain words (``case_records.blocked_text``): each blocking rule with
the gate's reason, and when the contact becomes possible in the customer's local time and in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ContactPoint, User
from debt_collections import selectors, services
from debt_collections.admin.access import admin_user, can_manage_cases, can_work_cases
from debt_collections.admin.action_forms import (
    DisputeForm,
    LogCallForm,
    PaymentForm,
    PlanOfferForm,
    SendLinkForm,
    SendNoticeForm,
    WaiverDecisionForm,
    WaiverRequestForm,
    customer_points,
)
from debt_collections.admin.case_records import (
    ROW_LIMIT,
    attempt_rows,
    audited_reasons,
    blocked_text,
    decision_text,
    local_and_utc,
    notice_rows,
    plan_options,
)
from debt_collections.admin.display import money
from debt_collections.admin.forms import form_errors_text
from debt_collections.admin.record_rows import attempt_table_rows, notice_table_rows
from debt_collections.admin.widget_render import CASE_PAGE_RENDERER
from debt_collections.errors import ComplianceBlocked, DomainError
from debt_collections.kernel.audit import Actor
from debt_collections.models import TERMINAL, CaseTask, CollectionCase, ContactAttempt, FeeWaiver
from debt_collections.policies.localtime import customer_zone
from debt_collections.services.links import OFFER_KEY, links_for_notices
from notifications.models import Notice
from notifications.rendering import local_date
from notifications.services import idempotency_key, notice_queue

if TYPE_CHECKING:
    from django.contrib.admin import AdminSite

# What a view's service call returns: the message level and text.
Outcome = tuple[int, str]
ServiceCall = Callable[[CollectionCase, dict[str, Any], Actor, datetime], Outcome]


def _todays_notice(
    case: CollectionCase, template_key: str, point: ContactPoint, now: datetime
) -> Notice | None:
    """The latest attempt at the notice queued today with this key (the outbox's idempotency key)."""
    key = idempotency_key(
        case_id=case.pk,
        template_key=template_key,
        contact_point_id=point.pk,
        due_date=local_date(now, case.customer),
    )
    return (
        Notice.objects.select_related("template", "contact_point")
        .filter(case_id=case.pk, contact_point_id=point.pk)
        .filter(Q(idempotency_key=key) | Q(idempotency_key__startswith=f"{key}#"))
        .order_by("-attempt")
        .first()
    )


def _repeat_outcome(notice: Notice) -> Outcome:
    """The message when the same notice already went today: ``notice_queue`` would only return it. (A
    blocked one is asked again instead: a new attempt with the gate's decision of now.)"""
    return messages.WARNING, _(
        "%(key)s already went to %(point)s today (%(status)s); it is not sent twice."
    ) % {
        "key": notice.template.key,
        "point": notice.contact_point.masked_value,
        "status": notice.get_status_display(),
    }


class _PickForm(forms.Form):
    """One row of a case section (a waiver, a task), limited to the rows of this case."""

    default_renderer = CASE_PAGE_RENDERER  # Django's widget markup, written without templates

    item = forms.ModelChoiceField(queryset=FeeWaiver.objects.none())

    def __init__(self, *args: Any, rows: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = rows  # type: ignore[attr-defined]


# --- the mixin -------------------------------------------------------------------------------------


class CaseActionsMixin:
    """Contact and negotiation actions for ``CollectionCaseAdmin``; see the module docstring."""

    admin_site: AdminSite
    # URL suffix → view method name; the URL name is ``collections_collectioncase_<suffix>``.
    ACTION_VIEWS: dict[str, str] = {
        "log_call": "log_call_view",
        "send_notice": "send_notice_view",
        "send_link": "send_link_view",
        "record_payment": "record_payment_view",
        "open_dispute": "open_dispute_view",
        "request_waiver": "request_waiver_view",
        "decide_waiver": "decide_waiver_view",
        "offer_plan": "offer_plan_view",
        "complete_task": "complete_task_view",
    }

    if TYPE_CHECKING:  # provided by CollectionCaseAdmin

        def _acting_case(self, request: HttpRequest, object_id: str) -> CollectionCase: ...

        def _change_url(self, case_id: int) -> str: ...

    def action_urls(self) -> list[URLPattern]:
        return [
            path(
                f"<path:object_id>/{suffix}/",
                self.admin_site.admin_view(getattr(self, view)),
                name=f"collections_collectioncase_{suffix}",
            )
            for suffix, view in self.ACTION_VIEWS.items()
        ]

    def actions_context(self, request: HttpRequest, case: CollectionCase, *, may_act: bool) -> dict[str, Any]:
        """The record sections for everyone who may see the case; the forms for those who may act."""
        now = timezone.now()
        zone = customer_zone(case.customer)
        points = customer_points(case.customer)  # one query for the contact table and every form
        attempts, notices = attempt_rows(case, zone), notice_rows(case, zone)
        context: dict[str, Any] = {
            "contact_points": points,
            "attempt_rows": attempts,
            "attempt_table": attempt_table_rows(attempts),
            "notice_rows": notices,
            "notice_table": notice_table_rows(notices),
            "row_limit": ROW_LIMIT,
            "plans": list(selectors.plans_for_case(case)),
            "waivers": list(
                selectors.waivers_for_case(case).select_related("requested_by_user", "decided_by")
            ),
            "disputes": list(selectors.disputes_for_case(case)),
            "open_tasks": list(case.tasks.filter(done_at__isnull=True).order_by("due_at", "pk")),
            "may_act": may_act,
            "action_urls": {
                suffix: reverse(
                    f"admin:collections_collectioncase_{suffix}",
                    args=[case.pk],
                    current_app=self.admin_site.name,
                )
                for suffix in self.ACTION_VIEWS
            },
        }
        if not may_act or case.state in TERMINAL:
            return context
        user = admin_user(request)
        options = plan_options(case, now)
        context.update(
            log_call_form=LogCallForm(points=points, auto_id="id_call_%s"),
            notice_form=SendNoticeForm(points=points, auto_id="id_notice_%s"),
            link_form=SendLinkForm(points=points, auto_id="id_link_%s"),
            dispute_form=DisputeForm(auto_id="id_dispute_%s"),
            waiver_form=WaiverRequestForm(auto_id="id_waiver_%s"),
            plan_form=PlanOfferForm(options=options, auto_id="id_plan_%s") if options else None,
            payment_form=PaymentForm(
                auto_id="id_payment_%s",
                initial={"currency": case.account.currency, "received_at": now.replace(microsecond=0)},
            )
            if can_manage_cases(user)
            else None,
        )
        return context

    # --- the views ---------------------------------------------------------------------------------

    def _post_action(
        self,
        request: HttpRequest,
        object_id: str,
        *,
        form: Callable[[CollectionCase], forms.Form],
        call: ServiceCall,
        section: str,
        allowed: Callable[[User | None], bool] = can_work_cases,
    ) -> HttpResponse:
        """The shared shape of every action: POST, scope (404), role (403), form, one service, message."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        case = self._acting_case(request, object_id)
        user = admin_user(request)
        if user is None or not allowed(user):
            raise PermissionDenied
        bound = form(case)
        if not bound.is_valid():
            messages.error(request, form_errors_text(bound))
        else:
            now = timezone.now()  # read once: given to the service, and used to find its stored decision
            try:
                level, text = call(case, bound.cleaned_data, Actor.for_user(user), now)
            except ComplianceBlocked as exc:
                messages.error(
                    request,
                    blocked_text(
                        rule_ids=exc.rule_ids,
                        next_allowed_at=exc.next_allowed_at,
                        reasons=audited_reasons(case, now),
                        zone=customer_zone(case.customer),
                    ),
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.add_message(request, level, text)
        return HttpResponseRedirect(f"{self._change_url(case.pk)}#{section}")

    def log_call_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def call(case: CollectionCase, data: dict[str, Any], actor: Actor, now: datetime) -> Outcome:
            attempt = services.contact_attempt_log(
                case_id=case.pk,
                actor=actor,
                contact_point_id=data["contact_point"].pk,
                channel=ContactAttempt.Channel.CALL,
                direction=data["direction"],
                connected=data["connected"],
                conversation=data["conversation"],
                outcome=data["outcome"],
                note=data["note"],
                now=now,
            )
            if attempt.direction == ContactAttempt.Direction.INBOUND:
                return messages.SUCCESS, _("Inbound call recorded.")
            return messages.SUCCESS, _("Call logged; the compliance gate allowed it.")

        return self._post_action(
            request,
            object_id,
            form=lambda case: LogCallForm(request.POST, points=customer_points(case.customer)),
            call=call,
            section="case-outcome",  # issue 14: the gate's answer at the top of the viewport
        )

    def send_notice_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def call(case: CollectionCase, data: dict[str, Any], actor: Actor, now: datetime) -> Outcome:
            point: ContactPoint = data["contact_point"]
            earlier = _todays_notice(case, data["template_key"], point, now)
            if earlier is not None and earlier.status != Notice.Status.BLOCKED:
                return _repeat_outcome(earlier)
            notice = notice_queue(
                case_id=case.pk,
                template_key=data["template_key"],
                contact_point_id=point.pk,
                actor=actor,
                now=now,
                links=links_for_notices,
            )
            return messages.SUCCESS, _(
                "Notice %(key)s v%(version)s queued by %(channel)s to %(point)s; it is sent once the gate "
                "checks again at send time."
            ) % {
                "key": notice.template.key,
                "version": notice.template.version,
                "channel": notice.get_channel_display(),
                "point": point.masked_value,
            }

        return self._post_action(
            request,
            object_id,
            form=lambda case: SendNoticeForm(request.POST, points=customer_points(case.customer)),
            call=call,
            section="case-notices",
        )

    def send_link_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A new negotiation link, sent as the ``plan.offer`` notice whose ``portal_url`` is the link.

        ``services.link_send``: the link and its notice in one transaction. A gate block is stored as a
        blocked notice (not raised, which would roll the record back); the link then exists unsent and
        expires by itself.
        """

        def call(case: CollectionCase, data: dict[str, Any], actor: Actor, now: datetime) -> Outcome:
            point: ContactPoint = data["contact_point"]
            link, notice = services.link_send(
                case_id=case.pk, contact_point_id=point.pk, actor=actor, now=now
            )
            zone = customer_zone(case.customer)
            if notice.status == Notice.Status.BLOCKED:
                return messages.ERROR, _("The link was made but not sent. %(why)s") % {
                    "why": decision_text(notice.decision, zone)
                }
            return messages.SUCCESS, _(
                "Negotiation link queued in the %(key)s notice by %(channel)s to %(point)s; it expires "
                "%(expires)s."
            ) % {
                "key": OFFER_KEY,
                "channel": notice.get_channel_display(),
                "point": point.masked_value,
                "expires": local_and_utc(link.expires_at, zone),
            }

        return self._post_action(
            request,
            object_id,
            form=lambda case: SendLinkForm(request.POST, points=customer_points(case.customer)),
            call=call,
            section="case-notices",
        )

    def record_payment_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def call(case: CollectionCase, data: dict[str, Any], actor: Actor, now: datetime) -> Outcome:
            payment = services.payment_record(
                account_id=case.account_id,
                external_reference=data["external_reference"].strip(),
                amount=data["amount"],
                currency=data["currency"].upper(),
                received_at=data["received_at"],
                actor=actor,
                now=now,
            )
            return messages.SUCCESS, _("Payment %(ref)s of %(amount)s recorded.") % {
                "ref": payment.external_reference,
                "amount": money(payment.amount, payment.currency),
            }

        return self._post_action(
            request,
            object_id,
            form=lambda case: PaymentForm(request.POST),
            call=call,
            section="case-payment",
            allowed=can_manage_cases,
        )

    def open_dispute_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def call(case: CollectionCase, data: dict[str, Any], actor: Actor, now: datetime) -> Outcome:
            dispute = services.dispute_open(
                case_id=case.pk,
                kind=data["kind"],
                description=data["description"],
                channel=data["channel"],
                actor=actor,
                disputed_amount=data["disputed_amount"],
                disputed_component=data["disputed_component"],
                now=now,
            )
            return messages.SUCCESS, _(
                "%(kind)s recorded; collection contact stops while it is open. The answer is due by %(due)s."
            ) % {
                "kind": dispute.get_kind_display(),
                "due": local_and_utc(dispute.sla_due_at, customer_zone(case.customer)),
            }

        return self._post_action(
            request,
            object_id,
            form=lambda case: DisputeForm(request.POST),
            call=call,
            section="case-disputes",
        )

    def request_waiver_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def call(case: CollectionCase, data: dict[str, Any], actor: Actor, now: datetime) -> Outcome:
            waiver = services.waiver_request(
                case_id=case.pk,
                component=data["component"],
                amount=data["amount"],
                reason=data["reason"],
                actor=actor,
                hardship=data["hardship"],
                now=now,
            )
            return messages.SUCCESS, _(
                "Waiver of %(amount)s %(component)s requested; another person must decide it."
            ) % {
                "amount": money(waiver.amount, case.account.currency),
                "component": waiver.get_component_display().lower(),
            }

        return self._post_action(
            request,
            object_id,
            form=lambda case: WaiverRequestForm(request.POST),
            call=call,
            section="case-waivers",
        )

    def decide_waiver_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        class Form(_PickForm, WaiverDecisionForm):
            pass

        def call(case: CollectionCase, data: dict[str, Any], actor: Actor, now: datetime) -> Outcome:
            waiver: FeeWaiver = data["item"]
            if data["decision"] == "approve":
                services.waiver_approve(waiver_id=waiver.pk, actor=actor, note=data["note"], now=now)
                return messages.SUCCESS, _("Waiver #%(id)s approved and applied.") % {"id": waiver.pk}
            services.waiver_reject(waiver_id=waiver.pk, actor=actor, note=data["note"], now=now)
            return messages.SUCCESS, _("Waiver #%(id)s rejected.") % {"id": waiver.pk}

        return self._post_action(
            request,
            object_id,
            form=lambda case: Form(request.POST, rows=case.waivers.all()),
            call=call,
            section="case-waivers",
        )

    def offer_plan_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def call(case: CollectionCase, data: dict[str, Any], actor: Actor, now: datetime) -> Outcome:
            plan = services.plan_offer(case_id=case.pk, option_code=data["option_code"], actor=actor, now=now)
            return messages.SUCCESS, _("Offered: %(plan)s.") % {"plan": plan}

        return self._post_action(
            request,
            object_id,
            form=lambda case: PlanOfferForm(request.POST, options=plan_options(case, timezone.now())),
            call=call,
            section="case-plans",
        )

    def complete_task_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def call(case: CollectionCase, data: dict[str, Any], actor: Actor, now: datetime) -> Outcome:
            task: CaseTask = data["item"]
            services.task_complete(task_id=task.pk, actor=actor, now=now)
            return messages.SUCCESS, _("Task done: %(task)s.") % {"task": task.get_kind_display()}

        return self._post_action(
            request,
            object_id,
            form=lambda case: _PickForm(request.POST, rows=case.tasks.all()),
            call=call,
            section="case-tasks",
        )
