"""Templates: ``draft → approved → retired`` with maker-checker (a compliance officer who is not the
author approves), and the shipped library installed as approved versions.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from debt_collections.errors import InvalidInput, NotPermitted
from debt_collections.kernel.audit import Actor, audit_append
from notifications.models import NoticeTemplate
from notifications.template_contracts import check_template, template_refusal

logger = logging.getLogger(__name__)


def template_create_draft(
    *,
    key: str,
    channel: str,
    locale: str,
    body: str,
    actor: Actor,
    subject: str = "",
    limited_content: bool = False,
    is_service: bool = False,
    now: datetime | None = None,
) -> NoticeTemplate:
    """A new draft version (the next number for this key/channel/locale).

    Raises ``InvalidInput`` ``template_invalid`` naming every reason when the text breaks the key's
    contract (``template_contracts.check_template``): an undeclared placeholder, a missing required
    block, an empty render for a pack's sample customer.
    """
    now = now or timezone.now()
    if not body.strip():
        raise InvalidInput("A template needs a body.")
    problems = check_template(
        key=key, channel=channel, locale=locale, subject=subject, body=body, limited_content=limited_content
    )
    if problems:
        raise template_refusal(problems, doing="saved")
    with transaction.atomic():
        latest = NoticeTemplate.objects.filter(key=key, channel=channel, locale=locale).aggregate(
            v=Max("version")
        )
        template = NoticeTemplate.objects.create(
            key=key,
            channel=channel,
            locale=locale,
            version=(latest["v"] or 0) + 1,
            subject=subject,
            body=body,
            limited_content=limited_content,
            is_service=is_service,
            author=actor.user,
        )
        audit_append(
            actor=actor,
            action="template.draft",
            at=now,
            payload={
                "template": template.pk,
                "key": key,
                "channel": channel,
                "locale": locale,
                "version": template.version,
            },
        )
    return template


def _require_compliance(actor: Actor) -> None:
    user = actor.user
    if user is None or not (user.is_superuser or user.is_compliance):
        raise NotPermitted("Only a compliance officer can decide on notice templates.")


def template_approve(
    *, template_id: int, actor: Actor, note: str = "", now: datetime | None = None
) -> NoticeTemplate:
    """Approve a draft; the previously approved version of the same key/channel/locale is retired.

    Raises ``NotPermitted`` unless the actor is a compliance officer other than the author.
    """
    now = now or timezone.now()
    _require_compliance(actor)
    with transaction.atomic():
        template = NoticeTemplate.objects.select_for_update().get(pk=template_id)
        if template.author_id is not None and actor.user is not None and template.author_id == actor.user.pk:
            raise NotPermitted(
                "The author of a template cannot approve it; another compliance officer must.",
                code="four_eyes",
            )
        if template.status != NoticeTemplate.Status.DRAFT:
            raise InvalidInput(
                f"Only drafts can be approved; this version is {template.status}.", code="not_draft"
            )
        # Checked again at approval: a draft saved before a contract changed must pass today's.
        problems = check_template(
            key=template.key,
            channel=template.channel,
            locale=template.locale,
            subject=template.subject,
            body=template.body,
            limited_content=template.limited_content,
        )
        if problems:
            raise template_refusal(problems, doing="approved")
        previous = (
            NoticeTemplate.objects.select_for_update()
            .filter(
                key=template.key,
                channel=template.channel,
                locale=template.locale,
                status=NoticeTemplate.Status.APPROVED,
            )
            .first()
        )
        if previous is not None:
            previous.retire(at=now)
            previous.save()
        template.approve(by=actor.user, at=now, note=note)
        template.save()
        audit_append(
            actor=actor,
            action="template.approve",
            at=now,
            payload={
                "template": template.pk,
                "key": template.key,
                "version": template.version,
                "retired": previous.pk if previous else None,
                "note": note,
            },
        )
    return template


def template_reject(
    *, template_id: int, actor: Actor, note: str, now: datetime | None = None
) -> NoticeTemplate:
    now = now or timezone.now()
    _require_compliance(actor)
    if not note.strip():
        raise InvalidInput("Say why the draft is rejected.")
    with transaction.atomic():
        template = NoticeTemplate.objects.select_for_update().get(pk=template_id)
        if template.status != NoticeTemplate.Status.DRAFT:
            raise InvalidInput(f"Only drafts can be rejected; this version is {template.status}.")
        template.reject(note=note)
        template.save()
        audit_append(
            actor=actor,
            action="template.reject",
            at=now,
            payload={"template": template.pk, "key": template.key, "version": template.version, "note": note},
        )
    return template


def templates_install_library(*, now: datetime | None = None) -> int:
    """Make sure every text of ``template_library`` has an approved version (data migration 0002 does
    this on a new database; tests that flush tables call it again). A text with only drafts or rejected
    versions gets the library text as its next version, approved. Returns how many were created."""
    from notifications.template_library import LIBRARY

    created = 0
    with transaction.atomic():
        for text in LIBRARY:
            versions = NoticeTemplate.objects.filter(key=text.key, channel=text.channel, locale=text.locale)
            if versions.filter(status=NoticeTemplate.Status.APPROVED).exists():
                continue
            latest = versions.aggregate(v=Max("version"))["v"] or 0
            template = NoticeTemplate(
                key=text.key,
                channel=text.channel,
                locale=text.locale,
                version=latest + 1,
                subject=text.subject,
                body=text.body,
                limited_content=text.limited_content,
                is_service=text.is_service,
            )
            template.approve(
                by=None,
                at=now or timezone.now(),
                note="Shipped with the release; approved in its compliance review.",
            )
            template.save()
            created += 1
    return created
