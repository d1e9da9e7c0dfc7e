"""The bridge between the ORM and the pure compliance gate.

Builds the gate's snapshots from models (reads only) and calls ``policies.decide_contact``. Services
call ``gate_decide`` before any contact attempt or notice, store the decision and audit it, allowed or
blocked. History is gathered for the *person* (every account, team and agency) plus every contact with
the same number or address, whoever it was for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from accounts.models import ContactPoint, QuarantinedContact, QuarantineRelease, StoredPhoneNumber, User
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
from debt_collections.policies.static_rules import needs_history
from notifications.models import Notice, NoticeTemplate

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


def is_quarantined(value: str, customer_id: int | None = None) -> bool:
    """Whether ``value`` is under an active wrong-party quarantine, for ``customer_id`` if given: a
    quarantine released for that one customer (``QuarantineRelease``) does not count for them."""
    active = QuarantinedContact.objects.filter(value=value, lifted_at__isnull=True)
    if customer_id is not None:
        active = active.exclude(releases__customer_id=customer_id)
    return active.exists()


def released_for(values: set[str]) -> set[tuple[str, int]]:
    """(value, customer id) pairs whose active quarantine was released for that customer only."""
    return set(
        QuarantineRelease.objects.filter(
            quarantine__value__any=values, quarantine__lifted_at__isnull=True
        ).values_list("quarantine__value", "customer_id")
    )


def quarantined_values(values: set[str]) -> set[str]:
    return set(
        QuarantinedContact.objects.filter(value__any=values, lifted_at__isnull=True).values_list(
            "value", flat=True
        )
    )


def contact_point_snapshot(point: ContactPoint, *, quarantined: bool | None = None) -> ContactPointSnapshot:
    return ContactPointSnapshot(
        id=point.pk,
        kind=point.kind,
        value=point.value,
        status=point.status,
        owner_customer_id=point.customer_id,
        consent_at=point.consent_at,
        verified_at=point.verified_at,
        last_reassigned_at=point.last_reassigned_at,
        quarantined=is_quarantined(point.value, point.customer_id) if quarantined is None else quarantined,
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


def histories(*, people: set[tuple[int, str]], now: datetime) -> dict[tuple[int, str], list[PastContact]]:
    """For each (customer id, contact value): every contact in the look-back window with that person,
    or on that number/address whoever it was for. Three queries whatever the number of people.

    Calls come from ``ContactAttempt``; SMS, email and letters from the outbox (a notice counts once a
    worker has claimed it, so two queued notices cannot both slip under a cap).
    """
    if not people:
        return {}
    since = now - HISTORY_WINDOW
    customers = {c for c, _ in people}
    values = {v for _, v in people if v}
    # The values are the points' stored text (``ContactPoint.value``), so they are matched as stored:
    # as plain strings each would be parsed again as a phone number (~0.1 ms each, every batch). Emails
    # and the rest are looked up apart, each by its own index: one ``phone = ANY(...) OR email = ANY(...)``
    # made PostgreSQL read the whole table for every batch (60 ms at 1,000,000 points, every chunk).
    emails = [v for v in values if "@" in v]
    others = [StoredPhoneNumber(v) for v in values if "@" not in v]
    same_value_points = [
        *(ContactPoint.objects.filter(phone__any=others).values_list("pk", flat=True) if others else []),
        *(ContactPoint.objects.filter(email__any=emails).values_list("pk", flat=True) if emails else []),
    ]
    # The people's own cases, so the notice query filters on the outbox's own indexed columns (an OR
    # across a join to the case table makes PostgreSQL scan every notice in the window).
    customer_of_case = dict(
        CollectionCase.objects.filter(customer_id__any=customers).values_list("pk", "customer_id")
    )
    found: list[tuple[int | None, str, PastContact]] = []
    attempts = ContactAttempt.objects.filter(
        Q(customer_id__any=customers) | Q(contact_point_id__any=same_value_points),
        placed_at__gte=since,
        placed_at__lte=now,
    ).select_related("contact_point")
    for a in attempts:
        value = a.contact_point.value
        found.append(
            (
                a.customer_id,
                value,
                PastContact(
                    at=a.placed_at,
                    channel=a.channel,
                    contact_point_value=value,
                    connected=a.connected,
                    conversation=a.conversation,
                    # An inbound contact is the customer reaching us: it starts the quiet period after a
                    # conversation, but it is not one of our attempts and must not use up the caps.
                    allowed=a.allowed and a.direction == ContactAttempt.Direction.OUTBOUND,
                ),
            )
        )
    # By the people's cases and by the points on the same values, each through its own index, joined
    # here: one OR of the two made PostgreSQL read every notice claimed in the window (63,000 rows a batch
    # at 1,000,000 accounts, growing with the book) and filter them.
    claimed = Notice.objects.filter(
        status__in=[Notice.Status.SENT, Notice.Status.SENDING], claimed_at__gte=since, claimed_at__lte=now
    )
    columns = ("pk", "case_id", "recipient", "channel", "claimed_at", "template__key")
    rows = {
        row[0]: row[1:]
        for part in (
            claimed.filter(case_id__any=list(customer_of_case)) if customer_of_case else None,
            claimed.filter(contact_point_id__any=same_value_points) if same_value_points else None,
        )
        if part is not None
        for row in part.values_list(*columns)
    }
    # Newest first, as the outbox orders its rows (ties in ``at`` keep this order below).
    for _pk, (case_id, recipient, channel, claimed_at, key) in sorted(rows.items(), reverse=True):
        if claimed_at is None:  # a claimed notice always has a claim time; skip a malformed row
            continue
        found.append(
            (
                # None for someone else's case reached on the same number: it matches by value only.
                customer_of_case.get(case_id),
                recipient,
                PastContact(
                    at=claimed_at,
                    channel=channel,
                    contact_point_value=recipient,
                    allowed=True,
                    template_key=key,
                ),
            )
        )
    # Indexed both ways so a batch of thousands of people stays linear, not people × contacts.
    by_customer: dict[int, list[int]] = {}
    by_value: dict[str, list[int]] = {}
    for index, (customer_id, value, _past) in enumerate(found):
        if customer_id is not None:
            by_customer.setdefault(customer_id, []).append(index)
        if value:
            by_value.setdefault(value, []).append(index)
    result: dict[tuple[int, str], list[PastContact]] = {}
    for person in people:
        customer_id, value = person
        indexes = set(by_customer.get(customer_id, ()))
        if value:
            indexes.update(by_value.get(value, ()))
        mine = [found[i][2] for i in sorted(indexes)]  # found order first, as before: ties stay put
        mine.sort(key=lambda c: c.at)
        result[person] = mine
    return result


def person_history(*, customer_id: int, value: str, now: datetime) -> list[PastContact]:
    """The look-back history of one person and contact value (see ``histories``)."""
    return histories(people={(customer_id, value)}, now=now)[(customer_id, value)]


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
    snapshot = template_snapshot(template)
    return decide_contact(
        policy=pack_for(case, now),
        case=case_snapshot(case),
        history=(
            person_history(customer_id=case.customer_id, value=point.value, now=now)
            if needs_history(snapshot)
            else []
        ),
        contact_point=point,
        channel=channel,
        template=snapshot,
        now=now,
        actor=actor_snapshot(actor_user),
    )


@dataclass(frozen=True)
class GateRequest:
    case: CollectionCase
    contact_point: ContactPoint
    channel: str
    template: NoticeTemplate | None


def gate_decide_many(
    *, requests: list[GateRequest], actor_user: User | None, now: datetime, count_allowed: bool = False
) -> list[Decision]:
    """``gate_decide`` for many contacts at once: a fixed number of queries in all.

    With ``count_allowed`` (sending), each contact the gate allows is added to the history of the
    person and the number before the next one is decided, so a batch never slips two notices under a
    cap that has room for one.
    """
    templates = [template_snapshot(r.template) for r in requests]
    # Only the people whose decisions can depend on it (most service notices cannot: ``needs_history``).
    people = {
        (r.case.customer_id, r.contact_point.value)
        for r, template in zip(requests, templates, strict=True)
        if needs_history(template)
    }
    history = histories(people=people, now=now)
    blocked_values = quarantined_values({r.contact_point.value for r in requests})
    released = released_for(blocked_values) if blocked_values else set()
    actor = actor_snapshot(actor_user)
    decisions = []
    for r, template in zip(requests, templates, strict=True):
        value = r.contact_point.value
        decision = decide_contact(
            policy=pack_for(r.case, now),
            case=case_snapshot(r.case),
            history=history.get((r.case.customer_id, value), []),
            contact_point=contact_point_snapshot(
                r.contact_point,
                quarantined=value in blocked_values and (value, r.contact_point.customer_id) not in released,
            ),
            channel=r.channel,
            template=template,
            now=now,
            actor=actor,
        )
        decisions.append(decision)
        if count_allowed and decision.allowed:
            placed = PastContact(
                at=now,
                channel=r.channel,
                contact_point_value=value,
                allowed=True,
                template_key=r.template.key if r.template else None,
            )
            for (customer_id, other_value), past in history.items():
                if customer_id == r.case.customer_id or other_value == value:
                    past.append(placed)
    return decisions


__all__ = ["CaseState", "GateRequest", "gate_decide", "gate_decide_many", "pack_for", "person_history"]
