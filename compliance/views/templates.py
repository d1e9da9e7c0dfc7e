"""Notice templates: drafts with their diff, approve / reject (four eyes), every version readable, new drafts.

The decisions are ``notifications.services.template_approve`` / ``template_reject`` /
``template_create_draft``; their refusals (the author approving their own draft, a draft already decided)
are shown as messages, in the service's words.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_POST

from compliance import selectors
from compliance.access import compliance_required, officer
from compliance.forms import DecisionForm, RejectForm, TemplateDraftForm
from compliance.views.common import page
from debt_collections.errors import DomainError
from debt_collections.kernel.audit import Actor
from notifications import services as notice_services
from notifications.models import NoticeTemplate
from notifications.template_contracts import Preview, check_template, preview

Status = NoticeTemplate.Status


@compliance_required
def template_list(request: HttpRequest) -> HttpResponse:
    return page(
        request,
        "compliance/templates.html",
        {
            # Each draft with its rendering for a sample customer of every pack and the reasons it would
            # be refused at approval (issue 12): the officer sees what the customer would read.
            "reviews": [(r, _previews(r.draft), _problems(r.draft)) for r in selectors.draft_reviews()],
            "approved": selectors.templates_with_status(Status.APPROVED),
            "retired": selectors.templates_with_status(Status.RETIRED).order_by("-retired_at", "key"),
            "rejected": selectors.templates_with_status(Status.REJECTED).order_by("-created_at"),
            "me": officer(request),
        },
        active="templates",
    )


@compliance_required
def template_detail(request: HttpRequest, template_id: int) -> HttpResponse:
    template = get_object_or_404(
        NoticeTemplate.objects.select_related("author", "approved_by"), pk=template_id
    )
    return page(
        request,
        "compliance/template_detail.html",
        {
            "template": template,
            "versions": selectors.template_versions(template),
            "previews": _previews(template),
            "problems": _problems(template) if template.status == Status.DRAFT else [],
        },
        active="templates",
    )


def _previews(template: NoticeTemplate) -> list[Preview]:
    return preview(
        key=template.key,
        channel=template.channel,
        locale=template.locale,
        subject=template.subject,
        body=template.body,
    )


def _problems(template: NoticeTemplate) -> list[str]:
    return check_template(
        key=template.key,
        channel=template.channel,
        locale=template.locale,
        subject=template.subject,
        body=template.body,
        limited_content=template.limited_content,
    )


def _back() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("compliance:templates"))


@compliance_required
@require_POST
def template_approve(request: HttpRequest, template_id: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        template = notice_services.template_approve(
            template_id=template_id, actor=Actor.for_user(officer(request)), note=note
        )
    except NoticeTemplate.DoesNotExist:
        messages.error(request, f"There is no template {template_id}.")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"Approved {template.key} {template.channel}/{template.locale} v{template.version}."
        )
    return _back()


@compliance_required
@require_POST
def template_reject(request: HttpRequest, template_id: int) -> HttpResponse:
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the draft is rejected.")
        return _back()
    try:
        template = notice_services.template_reject(
            template_id=template_id, actor=Actor.for_user(officer(request)), note=form.cleaned_data["note"]
        )
    except NoticeTemplate.DoesNotExist:
        messages.error(request, f"There is no template {template_id}.")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"Rejected {template.key} {template.channel}/{template.locale} v{template.version}."
        )
    return _back()


@compliance_required
def template_new(request: HttpRequest) -> HttpResponse:
    """A new draft version; ``?from=<id>`` starts from the text of an existing version."""
    if request.method == "POST":
        form = TemplateDraftForm(request.POST)
        if form.is_valid():
            try:
                draft = notice_services.template_create_draft(
                    actor=Actor.for_user(officer(request)), **form.cleaned_data
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    f"Draft {draft.key} {draft.channel}/{draft.locale} v{draft.version} created; another "
                    "compliance officer must approve it.",
                )
                return _back()
    else:
        initial = {}
        source = request.GET.get("from", "")
        if source.isdigit():
            base = NoticeTemplate.objects.filter(pk=int(source)).first()
            if base is not None:
                initial = {
                    f: getattr(base, f)
                    for f in ("key", "channel", "locale", "subject", "body", "limited_content", "is_service")
                }
        form = TemplateDraftForm(initial=initial)
    return page(request, "compliance/template_new.html", {"form": form}, active="templates")
