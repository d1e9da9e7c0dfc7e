"""Reads for notices and templates."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Notice, NoticeTemplate


def approved_template(*, key: str, channel: str, locale: str) -> NoticeTemplate | None:
    return NoticeTemplate.objects.filter(
        key=key, channel=channel, locale=locale, status=NoticeTemplate.Status.APPROVED
    ).first()


def latest_template(*, key: str, channel: str, locale: str) -> NoticeTemplate | None:
    """The approved version if there is one, else the newest version of any status (the gate blocks it)."""
    return (
        approved_template(key=key, channel=channel, locale=locale)
        or NoticeTemplate.objects.filter(key=key, channel=channel, locale=locale).order_by("-version").first()
    )


def notices_for_case(case_id: int) -> QuerySet[Notice]:
    return (
        Notice.objects.filter(case_id=case_id)
        .select_related("template", "contact_point")
        .order_by("queued_at")
    )
