""" "Send me a new link" from an expired link's page (issue 12).

The person holding an expired link has not proved who they are, so the new link goes only to a contact
point of the case's customer that is verified (never to an address typed on the page), as the limited
content ``contact.prompt`` notice (nothing about the debt), through the compliance gate like every other
notice: outside the contact hours or over a cap it is refused with the gate's reasons. Asking again the
same day gives the same notice (the outbox's idempotency key), so the page cannot be used to flood a
number.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from accounts.models import ContactPoint
from debt_collections.errors import InvalidInput
from debt_collections.kernel.audit import Actor, audit_append
from debt_collections.models import NegotiationLink
from debt_collections.services.links import link_unusable_reason, links_for_notices
from notifications.models import Notice
from notifications.services import notice_queue

NEW_LINK_TEMPLATE = "contact.prompt"
REACHABLE_KINDS = (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL)


def new_link_point(link: NegotiationLink) -> ContactPoint | None:
    """Where a new link may go: the link's own point if it is verified, else the customer's most recently
    verified phone or email; None when there is no verified point."""
    point = link.contact_point
    if point is not None and point.status == ContactPoint.Status.VERIFIED and point.kind in REACHABLE_KINDS:
        return point
    return (
        ContactPoint.objects.filter(
            customer_id=link.case.customer_id, status=ContactPoint.Status.VERIFIED, kind__in=REACHABLE_KINDS
        )
        .order_by("-verified_at", "-pk")
        .first()
    )


def link_request_new(*, link_id: UUID | str, now: datetime | None = None) -> Notice:
    """Queue a new link to a verified point of the customer of an expired link. Returns the notice.

    Raises ``InvalidInput`` ``link_not_expired`` (only an expired link may ask; a locked or revoked one
    may not) or ``no_verified_point``; ``ComplianceBlocked`` when the gate refuses now (the blocked notice
    is stored and audited). Safe to repeat on the same day: the same notice comes back.
    """
    now = now or timezone.now()
    link = NegotiationLink.objects.select_related("case__customer", "contact_point").get(pk=link_id)
    if link_unusable_reason(link, now) != "expired":
        raise InvalidInput("Only an expired link can ask for a new one.", code="link_not_expired")
    point = new_link_point(link)
    actor = Actor.link(link.id)
    if point is None:
        with transaction.atomic():
            audit_append(
                actor=actor,
                action="link.new_link_refused",
                at=now,
                case=link.case,
                payload={"link": str(link.id), "code": "no_verified_point"},
            )
        raise InvalidInput(
            "There is no verified phone or email to send a new link to.", code="no_verified_point"
        )
    notice = notice_queue(
        case_id=link.case_id,
        template_key=NEW_LINK_TEMPLATE,
        contact_point_id=point.pk,
        actor=actor,
        now=now,
        reference=f"new-link:{link.id}",
        links=links_for_notices,  # a fresh link: the expired one is never reused
    )
    with transaction.atomic():
        audit_append(
            actor=actor,
            action="link.new_link_requested",
            at=now,
            case=link.case,
            payload={"link": str(link.id), "notice": notice.pk, "contact_point": point.pk},
        )
    return notice
