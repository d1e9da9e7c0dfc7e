"""Admin for the outbox and the notice templates: read-only lists, decisions through the services.

* ``Notice``: every notice of the cases the user may see, with the exact text sent (or refused) and the
  gate's decision; the recipient is shown masked, searched by its exact value.
* ``NoticeTemplate``: the standardized texts. Everyone with a staff role reads the approved and retired
  versions; compliance officers also see drafts and rejected ones and approve or reject drafts through
  ``template_approve`` / ``template_reject``, which refuse an author approving their own text.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from debt_collections.admin.access import CaseScopedReadOnlyAdminMixin, admin_user, has_staff_role
from debt_collections.admin.queues import note_action, run_each
from debt_collections.admin.search import phone_search_candidates
from notifications.masking import mask_links
from notifications.models import Notice, NoticeTemplate
from notifications.services import notice_resolve_unknown, template_approve, template_reject


@admin.register(Notice)
class NoticeAdmin(CaseScopedReadOnlyAdminMixin, admin.ModelAdmin[Notice]):
    list_display = (
        "queued_at",
        "case",
        "template_version",
        "channel",
        "masked_recipient",
        "status",
        "blocked_by",
        "sent_at",
    )
    list_filter = ("status", "channel", "template__key")
    list_select_related = ("case", "template", "contact_point")
    search_fields = ("=recipient",)
    search_help_text = gettext_lazy(
        "The exact phone number (13800001234 or +8613800001234) or email address."
    )
    date_hierarchy = "queued_at"
    # The raw recipient and contact point would show the full number; the masked one is shown instead.
    # The body and its render context carry the customer's live negotiation and opt-out links: staff see
    # them masked (a link is re-sent to the customer from the case page, never copied).
    exclude = ("contact_point", "recipient", "body", "context")
    readonly_fields = ("masked_recipient", "masked_body")
    # Notice.__str__ names the full recipient; the record page's title and breadcrumb use a masked one.
    change_form_template = "admin/collections/masked_change_form.html"

    @admin.display(description=gettext_lazy("Template"), ordering="template__key")
    def template_version(self, obj: Notice) -> str:
        return f"{obj.template.key} v{obj.template.version}"

    @admin.display(description=gettext_lazy("Recipient"))
    def masked_recipient(self, obj: Notice) -> str:
        return obj.contact_point.masked_value

    @admin.display(description=gettext_lazy("Body"))
    def masked_body(self, obj: Notice) -> str:
        return mask_links(obj.body)

    @admin.display(description=gettext_lazy("Blocked by"))
    def blocked_by(self, obj: Notice) -> str:
        decision = obj.decision if isinstance(obj.decision, dict) else {}
        return ", ".join(decision.get("blocked_by") or []) or "—"

    def masked_title(self, obj: Notice) -> str:
        return f"{obj.template.key} → {obj.contact_point.masked_value} ({obj.get_status_display()})"

    # --- deciding an unknown delivery (a worker died between the provider call and the record) ---------

    actions = ("decide_delivered", "decide_not_delivered")

    def has_decide_permission(self, request: HttpRequest) -> bool:
        user = admin_user(request)
        return user is not None and (user.is_superuser or user.is_supervisor or user.is_compliance)

    def _decide(self, request: HttpRequest, queryset: QuerySet[Notice], *, delivered: bool) -> Any:
        def apply(note: str) -> None:
            run_each(
                request,
                queryset,
                lambda row, actor: notice_resolve_unknown(
                    notice_id=row.pk, delivered=delivered, actor=actor, note=note
                ),
                done=_("Decided: %(rows)s."),
                not_done=_("Not decided: %(rows)s"),
            )

        action = "decide_delivered" if delivered else "decide_not_delivered"
        return note_action(
            self,
            request,
            queryset,
            action=action,
            title=_("Decide unknown deliveries: what do the provider's records show?"),
            submit=_("Delivered") if delivered else _("Not delivered"),
            apply=apply,
        )

    @admin.action(
        description=gettext_lazy("Unknown delivery: the provider's records show it delivered"),
        permissions=["decide"],
    )
    def decide_delivered(self, request: HttpRequest, queryset: QuerySet[Notice]) -> Any:
        return self._decide(request, queryset, delivered=True)

    @admin.action(
        description=gettext_lazy("Unknown delivery: the provider's records show it was not delivered"),
        permissions=["decide"],
    )
    def decide_not_delivered(self, request: HttpRequest, queryset: QuerySet[Notice]) -> Any:
        return self._decide(request, queryset, delivered=False)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        notice = self.get_object(request, unquote(object_id))
        if notice is not None:
            title = self.masked_title(notice)
            extra_context = {**(extra_context or {}), "subtitle": title, "masked_title": title}
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        notice = self.get_object(request, unquote(object_id))
        if notice is not None:
            title = _("Change history: %s") % self.masked_title(notice)
            extra_context = {**(extra_context or {}), "title": title}
        return super().history_view(request, object_id, extra_context)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Notice], search_term: str
    ) -> tuple[QuerySet[Notice], bool]:
        # Exact matches only (no substring search on numbers): the value as typed, or its E.164 forms.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        phones = phone_search_candidates(search_term)
        if phones:
            results = results | queryset.filter(recipient__in=sorted(phones))
        return results, may_have_duplicates


def can_decide_templates(user: User | None) -> bool:
    """Compliance officers approve and reject notice templates (the services check it too)."""
    return user is not None and (user.is_superuser or user.is_compliance)


# What people outside compliance see: the texts in use and their history, not unreviewed drafts.
PUBLISHED = (NoticeTemplate.Status.APPROVED, NoticeTemplate.Status.RETIRED)


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(admin.ModelAdmin[NoticeTemplate]):
    list_display = (
        "key",
        "channel",
        "locale",
        "version",
        "status",
        "limited_content",
        "is_service",
        "author",
        "approved_by",
        "approved_at",
    )
    list_filter = ("status", "channel", "locale", "key", "limited_content", "is_service")
    list_select_related = ("author", "approved_by")
    search_fields = ("key", "body")
    ordering = ("key", "channel", "locale", "-version")
    actions = ("approve_selected", "reject_selected")

    def get_queryset(self, request: HttpRequest) -> QuerySet[NoticeTemplate]:
        user = admin_user(request)
        qs = super().get_queryset(request)
        if not has_staff_role(user):
            return qs.none()
        return qs if can_decide_templates(user) else qs.filter(status__in=PUBLISHED)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_staff_role(admin_user(request))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return has_staff_role(admin_user(request))

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return can_decide_templates(admin_user(request))

    # Versions are created by services (template_create_draft, the library installer) and never edited.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Approve the selected drafts"), permissions=["decide"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[NoticeTemplate]) -> None:
        run_each(
            request,
            queryset,
            lambda row, actor: template_approve(template_id=row.pk, actor=actor),
            done=_("Approved (the previous version of each is retired): %(rows)s."),
            not_done=_("Not approved: %(rows)s"),
        )

    @admin.action(
        description=gettext_lazy("Reject the selected drafts (asks for a reason)"), permissions=["decide"]
    )
    def reject_selected(
        self, request: HttpRequest, queryset: QuerySet[NoticeTemplate]
    ) -> TemplateResponse | None:
        def apply(note: str) -> None:
            run_each(
                request,
                queryset,
                lambda row, actor: template_reject(template_id=row.pk, actor=actor, note=note),
                done=_("Rejected: %(rows)s."),
                not_done=_("Not rejected: %(rows)s"),
            )

        return note_action(
            self,
            request,
            queryset,
            action="reject_selected",
            title=_("Reject notice template drafts"),
            submit=_("Reject"),
            apply=apply,
        )
