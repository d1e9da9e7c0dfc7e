"""The bridge between the ORM and the pure compliance gate.

Builds the gate's snapshots from models (reads only) and calls ``policies.decide_contact``. Services
call ``gate_decide`` before any contact attempt or notice, store the decision and audit it, allowed or
blocked. History is gathered for the *person* (every account, team and agency) plus every contact with
the same number or address, whoever it was for.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q

from accounts.models import ContactPoint, QuarantinedContact, User
from debt_collections.models import CaseState, CollectionCase, ContactAttempt
from debt_collections.policies import (
    ActorSnapshot,
    CaseSnapshot,
    ContactPointSnapshot,
    Decision,
    PastContact,
    PolicyPack,
    TemplateSnapshot,
    decide_contact,
    get_pack,
)

if TYPE_CHECKING:
    from notifications.models import NoticeTemplate

# Longest look-back any rule needs: 7 rolling days for caps, 7 local days of conversation quiet time,
# plus a margin for time zones.
HISTORY_WINDOW = timedelta(days=9)


def pack_for(case: CollectionCase, now: datetime) -> PolicyPack:
    return get_pack(case.customer.jurisdiction, now.date())


def case_snapshot(case: CollectionCase) -> CaseSnapshot:
    customer = case.customer
    window = None
    if customer.agreed_contact_start and customer.agreed_contact_end:
        window = (customer.agreed_contact_start, customer.agreed_contact_end)
    return CaseSnapshot(
        case_id=case.pk,
        state=str(case.state),
        customer_id=customer.pk,
        customer_tz=customer.time_zone,
        vulnerable=customer.vulnerable,
        cease_communication=customer.cease_communication,
        agreed_contact_window=window,
        jurisdiction=customer.jurisdiction,
    )


def is_quarantined(value: str) -> bool:
    return QuarantinedContact.objects.filter(value=value, lifted_at__isnull=True).exists()


def contact_point_snapshot(point: ContactPoint) -> ContactPointSnapshot:
    return ContactPointSnapshot(
        id=point.pk,
        kind=point.kind,
        value=point.value,
        status=point.status,
        owner_customer_id=point.customer_id,
        consent_at=point.consent_at,
        verified_at=point.verified_at,
        last_reassigned_at=point.last_reassigned_at,
        quarantined=is_quarantined(point.value),
        opted_out_channels=frozenset(point.opted_out_channels or ()),
    )


def template_snapshot(template: NoticeTemplate | None) -> TemplateSnapshot | None:
    if template is None:
        return None
    return TemplateSnapshot(
        key=template.key,
        version=template.version,
        status=str(template.status) if template.status != "rejected" else "draft",
        limited_content=template.limited_content,
        is_service=template.is_service,
    )


def actor_snapshot(user: User | None) -> ActorSnapshot | None:
    if user is None or user.agency_id is None:
        return None
    agency = user.agency
    if agency is None:  # agency_id set but the row is gone: treat as an agency without a valid licence
        return ActorSnapshot(is_agency=True)
    return ActorSnapshot(
        is_agency=True, licence_valid_until=agency.licensed_until, contract_end=agency.contract_end
    )


def person_history(*, customer_id: int, value: str, now: datetime) -> list[PastContact]:
    """Every contact in the look-back window with this person, or on this number/address.

    Calls come from ``ContactAttempt``; SMS, email and letters from the outbox (a notice counts once a
    worker has claimed it, so two queued notices cannot both slip under a cap).
    """
    from notifications.models import Notice

    since = now - HISTORY_WINDOW
    history: list[PastContact] = []
    point_ids = (
        list(
            ContactPoint.objects.filter(Q(phone=value) | Q(email__iexact=value)).values_list("pk", flat=True)
        )
        if value
        else []
    )
    attempts = ContactAttempt.objects.filter(
        Q(customer_id=customer_id) | Q(contact_point_id__in=point_ids),
        placed_at__gte=since,
        placed_at__lte=now,
    ).select_related("contact_point")
    for a in attempts:
        history.append(
            PastContact(
                at=a.placed_at,
                channel=a.channel,
                contact_point_value=a.contact_point.value,
                connected=a.connected,
                conversation=a.conversation,
                allowed=a.allowed,
            )
        )
    notices = Notice.objects.filter(
        Q(case__customer_id=customer_id) | Q(contact_point_id__in=point_ids),
        status__in=[Notice.Status.SENT, Notice.Status.SENDING],
        claimed_at__gte=since,
        claimed_at__lte=now,
    ).select_related("template")
    for n in notices:
        if n.claimed_at is None:  # a claimed notice always has a claim time; skip a malformed row
            continue
        history.append(
            PastContact(
                at=n.claimed_at,
                channel=n.channel,
                contact_point_value=n.recipient,
                allowed=True,
                template_key=n.template.key,
            )
        )
    history.sort(key=lambda c: c.at)
    return history


def gate_decide(
    *,
    case: CollectionCase,
    contact_point: ContactPoint,
    channel: str,
    template: NoticeTemplate | None,
    actor_user: User | None,
    now: datetime,
) -> Decision:
    """The gate's decision for this contact now. Pure apart from the reads that build the snapshots."""
    point = contact_point_snapshot(contact_point)
    return decide_contact(
        policy=pack_for(case, now),
        case=case_snapshot(case),
        history=person_history(customer_id=case.customer_id, value=point.value, now=now),
        contact_point=point,
        channel=channel,
        template=template_snapshot(template),
        now=now,
        actor=actor_snapshot(actor_user),
    )


__all__ = ["CaseState", "gate_decide", "pack_for", "person_history"]
