"""Signed links to the customer's negotiation page: create, resolve, verify, revoke, wrong-party report.

The token is a ``TimestampSigner`` signature over the link's opaque UUID, never the case id, so a token
says nothing about the case even to someone who decodes it. Whether a link may still be used is decided
by its row (expiry, revocation, lock after failed identity checks), not by the signature's age, so an
agent can revoke a link at any time.

Every event is audited with the link as the actor (``link:<uuid>``); submitted identity answers are
never written anywhere.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ContactPoint
from debt_collections.errors import DomainError, InvalidInput
from debt_collections.kernel.audit import Actor, PendingEvent, audit_append, audit_append_many
from debt_collections.kernel.bulk import bulk_insert, new_row
from debt_collections.kernel.gate import pack_for
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.kernel.scope import resolve_contact_point
from debt_collections.models import TERMINAL, CaseTask, CollectionCase, NegotiationLink
from debt_collections.services.contacts import contact_report_wrong_party
from notifications.models import Notice
from notifications.services import NoticeRequest, notice_queue_many

LINK_SALT = "negotiation-link"
WRONG_PARTY_REASON = "wrong party reported on the page"


class LinkUnusable(DomainError):
    """The token is not a link of ours, or the link expired, was revoked or is locked.

    ``reason`` is one of ``invalid``, ``expired``, ``revoked``, ``locked``; ``link`` is the row when
    the token named one (``None`` for ``invalid``), so the page can still offer the wrong-party button.
    """

    code = "link_unusable"
    http_status = 410

    def __init__(self, message: str, *, reason: str, link: NegotiationLink | None = None) -> None:
        super().__init__(message, code=f"link_{reason}")
        self.reason = reason
        self.link = link
        if reason == "invalid":
            self.http_status = 404


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=LINK_SALT)


def link_token(link: NegotiationLink) -> str:
    """The signed token for ``link`` (its UUID and a timestamp, signed with SECRET_KEY). Pure."""
    return _signer().sign(str(link.id))


def link_url(link: NegotiationLink) -> str:
    """The absolute URL of the negotiation page for ``link``."""
    return f"{settings.SITE_URL}/n/{link_token(link)}/"


def link_unusable_reason(link: NegotiationLink, now: datetime) -> str | None:
    """Why ``link`` cannot be used at ``now`` (``revoked``, ``locked``, ``expired``), or None. Pure."""
    if link.revoked_at is not None:
        return "revoked"
    if link.locked_at is not None:
        return "locked"
    if now >= link.expires_at:
        return "expired"
    return None


def _check_usable(link: NegotiationLink, now: datetime) -> None:
    reason = link_unusable_reason(link, now)
    if reason is not None:
        raise LinkUnusable(f"This link is {reason}.", reason=reason, link=link)


def link_create(
    *, case_id: int, actor: Actor, contact_point_id: int | None = None, now: datetime | None = None
) -> tuple[NegotiationLink, str]:
    """A new link for the case, expiring after the pack's ``link_expiry_days``; returns it and its URL.

    ``contact_point_id`` names where the link is sent (its wrong-party report and channel opt-outs act
    on it); it must belong to the case's customer and must not be a reported wrong party. Raises
    ``InvalidInput`` for a closed or resolved case or a foreign/reported contact point, ``NotPermitted``
    outside the actor's scope. Not idempotent: every call creates a new link.
    """
    now = now or timezone.now()
    with transaction.atomic():
        case = lock_case(case_id)
        check_actor(actor, case, None, now, action="link.send")
        if case.state in TERMINAL:
            raise InvalidInput("A closed or resolved case gets no negotiation link.", code="case_terminal")
        point = None
        if contact_point_id is not None:
            point = resolve_contact_point(case, contact_point_id)  # NotFound for anyone else's
            if point.status == ContactPoint.Status.WRONG_PARTY:
                raise InvalidInput("This contact point was reported as a wrong party.", code="wrong_party")
        [link] = links_create_many(pairs=[(case, point)], actor=actor, now=now)
    return link, link_url(link)


# The notice a new link travels in.
OFFER_KEY = "plan.offer"


def link_send(
    *, case_id: int, contact_point_id: int, actor: Actor, now: datetime | None = None
) -> tuple[NegotiationLink, Notice]:
    """A new link sent in the ``plan.offer`` notice to this contact point, in one transaction, so a link is
    never stored without the notice that carries it. The notice is queued as its owing service
    (``link_create``'s checks, then ``notice_queue_many`` with the link's URL). A gate block is stored as
    a blocked notice and returned, not raised (raising would roll the record back); the link then exists
    unsent and expires by itself. Asking again after a block is a new attempt.

    Raises ``InvalidInput(code="offer_already_sent")`` (and stores nothing) when an offer already went to
    this point today, besides ``link_create``'s errors.
    """
    now = now or timezone.now()
    with transaction.atomic():
        link, url = link_create(case_id=case_id, actor=actor, contact_point_id=contact_point_id, now=now)
        point = cast(ContactPoint, link.contact_point)  # link_create read it for this id
        [notice] = notice_queue_many(
            requests=[
                NoticeRequest(
                    case=link.case,
                    template_key=OFFER_KEY,
                    contact_point=point,
                    extra_context={"portal_url": url},
                    by_service=True,
                )
            ],
            actor=actor,
            now=now,
            links=None,
            defer_when_time_blocked=False,
            retry_blocked=True,
        )
        if notice.context.get("portal_url") != url:  # today's offer, returned as it is: it has its link
            raise InvalidInput(
                f"An offer already went to {point.masked_value} today (one a day per contact point); no new "
                "link was made.",
                code="offer_already_sent",
            )
    return link, notice


def link_resolve(token: str, *, now: datetime) -> NegotiationLink:
    """The link a token names, if it may be used at ``now``. Read-only.

    Raises ``LinkUnusable`` with reason ``invalid`` (bad signature, unknown link), ``revoked``,
    ``locked`` or ``expired``; the last three carry the link.
    """
    try:
        link_id = _signer().unsign(token)
        # The account too: the verified page reads it on every view (one query fewer).
        link = NegotiationLink.objects.select_related(
            "case", "case__customer", "case__account", "contact_point"
        ).get(pk=link_id)
    except (signing.BadSignature, NegotiationLink.DoesNotExist, ValidationError, ValueError) as exc:
        # ValidationError/ValueError: a validly signed value that is not a UUID (cannot happen with our
        # own tokens, but must never become a 500).
        raise LinkUnusable("This link is not valid.", reason="invalid") from exc
    _check_usable(link, now)
    return link


def link_revoke(*, link_id: Any, actor: Actor, reason: str, now: datetime | None = None) -> NegotiationLink:
    """Revoke a link (an agent sent a new one, the number changed hands). Safe to repeat: a revoked link
    keeps its first revocation and nothing is audited again."""
    now = now or timezone.now()
    with transaction.atomic():
        link = NegotiationLink.objects.select_for_update(of=("self",)).select_related("case").get(pk=link_id)
        if link.revoked_at is not None:
            return link
        if actor.user is not None:
            check_actor(actor, link.case, None, now, action="link.revoke")
        _revoke(link, actor=actor, reason=reason, now=now)
    return link


def _revoke(link: NegotiationLink, *, actor: Actor, reason: str, now: datetime) -> None:
    link.revoked_at = now
    link.revoke_reason = reason[:200]
    link.save(update_fields=["revoked_at", "revoke_reason"])
    audit_append(
        actor=actor,
        action="link.revoke",
        at=now,
        case=link.case,
        payload={"link": str(link.id), "reason": reason},
    )


def _same(submitted: str, expected: str) -> bool:
    return hmac.compare_digest(submitted.encode("utf-8"), expected.encode("utf-8"))


def link_verify(*, link_id: Any, national_id_last4: str, date_of_birth: date, now: datetime) -> bool:
    """Check the answers against the customer's record; True when both match.

    Both answers are compared in constant time, and always both (no early exit that would tell which one
    was wrong). A failure increments ``failed_checks`` under a row lock (two tabs cannot both get a free
    attempt) and locks the link at the pack's ``link_max_failed_checks``; failures are counted over the
    link's life, not reset by a success. Each check is audited with the link as actor, without the
    submitted values. Raises ``LinkUnusable`` if the link is revoked, locked or expired.
    """
    with transaction.atomic():
        link = (
            NegotiationLink.objects.select_for_update(of=("self",))
            .select_related("case", "case__customer")
            .get(pk=link_id)
        )
        _check_usable(link, now)
        customer = link.case.customer
        last4_ok = _same(national_id_last4.strip().upper(), customer.national_id_last4.strip().upper())
        dob_ok = _same(date_of_birth.isoformat(), customer.date_of_birth.isoformat())
        ok = last4_ok & dob_ok
        actor = Actor.link(link.id)
        if ok:
            link.last_verified_at = now
            link.save(update_fields=["last_verified_at"])
            audit_append(
                actor=actor, action="link.verified", at=now, case=link.case, payload={"link": str(link.id)}
            )
            return True
        pack = pack_for(link.case, now)
        link.failed_checks += 1
        locked = link.failed_checks >= pack.link_max_failed_checks
        if locked:
            link.locked_at = now
        link.save(update_fields=["failed_checks", "locked_at"])
        audit_append(
            actor=actor,
            action="link.verify_failed",
            at=now,
            case=link.case,
            payload={
                "link": str(link.id),
                "failed_checks": link.failed_checks,
                "max_failed_checks": pack.link_max_failed_checks,
                "locked": locked,
            },
        )
    return False


def link_report_wrong_party(*, link_id: Any, now: datetime | None = None) -> NegotiationLink:
    """Whoever holds the link says "this is not me / wrong number". Needs no verification.

    In one transaction: the link's contact point is reported wrong party (quarantined by its value for
    every customer, pending notices to it blocked), the link is revoked, and a ``find_new_contact`` task
    is opened for the agent. No acknowledgement is sent: the number is quarantined, so the page shows it.
    Works on an expired or locked link too (a wrong party must always be able to stop the contact).
    Safe to repeat: a link already revoked for this reason changes nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        link = NegotiationLink.objects.select_for_update(of=("self",)).select_related("case").get(pk=link_id)
        if link.revoked_at is not None and link.revoke_reason == WRONG_PARTY_REASON:
            return link
        actor = Actor.link(link.id)
        quarantine_id = None
        if link.contact_point_id is not None:
            entry = contact_report_wrong_party(
                contact_point_id=link.contact_point_id, actor=actor, now=now, source=f"link:{link.id}"
            )
            quarantine_id = entry.pk
        if link.revoked_at is None:
            _revoke(link, actor=actor, reason=WRONG_PARTY_REASON, now=now)
        else:  # revoked earlier for another reason: keep that time, record why it matters now
            link.revoke_reason = WRONG_PARTY_REASON
            link.save(update_fields=["revoke_reason"])
        task = CaseTask.objects.create(
            case=link.case,
            kind=CaseTask.Kind.FIND_NEW_CONTACT,
            due_at=now,
            note="The person reached through a negotiation link said it is not them / a wrong number. "
            "Find and verify a new contact for the customer.",
            created_at=now,
            created_by=actor.label,
        )
        audit_append(
            actor=actor,
            action="link.wrong_party",
            at=now,
            case=link.case,
            payload={
                "link": str(link.id),
                "contact_point": link.contact_point_id,
                "quarantine": quarantine_id,
                "task": task.pk,
            },
        )
    return link


def link_record_view(
    *, link: NegotiationLink, now: datetime, page: str, verified: bool, detail: dict[str, Any] | None = None
) -> None:
    """Audit one view of the page (or a refused action) with the link as actor. Append-only; each call
    writes one event. ``link`` is the one ``link_resolve`` returned for this request (its case is not read
    again: every view of the customer page is one of these writes, so it is kept to the append itself).
    ``detail`` must never hold identity answers or free text from the customer."""
    with transaction.atomic():
        audit_append(
            actor=Actor.link(link.id),
            action="link.view",
            at=now,
            case=link.case,
            payload={"link": str(link.id), "page": page, "verified": verified, **(detail or {})},
        )


# How long a reused link must still have to live: a notice should never carry a link that dies before the
# customer can reasonably open it.
REUSE_MARGIN = timedelta(days=3)


def links_for_notices(
    *,
    pairs: list[tuple[CollectionCase, ContactPoint]],
    actor: Actor,
    now: datetime,
    events: list[PendingEvent] | None = None,
) -> dict[tuple[int, int], str]:
    """The negotiation-link URL each (case, contact point) notice should carry, in the caller's transaction.

    Reuses a usable link for the same case and point (not revoked or locked, with at least
    ``REUSE_MARGIN`` left), else creates one (audited ``link.create``), in a fixed number of queries so the
    daily cycle can call it for thousands of notices. Points reported as wrong party get no link (the gate
    blocks those notices anyway). With ``events`` the ``link.create`` events are added to it for the
    caller to append in this transaction (``links_create_many``).
    """
    wanted = {
        (case.pk, point.pk): (case, point)
        for case, point in pairs
        if point.status != ContactPoint.Status.WRONG_PARTY and case.state not in TERMINAL
    }
    if not wanted:
        return {}
    urls: dict[tuple[int, int], str] = {}
    reusable = NegotiationLink.objects.filter(
        case_id__any={c for c, _ in wanted},
        contact_point_id__any={p for _, p in wanted},
        revoked_at__isnull=True,
        locked_at__isnull=True,
        expires_at__gt=now + REUSE_MARGIN,
    ).order_by("-expires_at")
    for link in reusable:
        key = (link.case_id, link.contact_point_id or 0)
        if key in wanted and key not in urls:
            urls[key] = link_url(link)
    missing = [pair for key, pair in wanted.items() if key not in urls]
    for link in links_create_many(pairs=missing, actor=actor, now=now, purpose="notice", events=events):
        urls[(link.case_id, link.contact_point_id or 0)] = link_url(link)
    return urls


def links_create_many(
    *,
    pairs: Sequence[tuple[CollectionCase, ContactPoint | None]],
    actor: Actor,
    now: datetime,
    purpose: str = "",
    events: list[PendingEvent] | None = None,
) -> list[NegotiationLink]:
    """New links for these (case, contact point) pairs, each expiring after its pack's
    ``link_expiry_days``, audited ``link.create``: the one write path for links (``link_create`` is this
    with one pair after its checks). In the caller's transaction; a fixed number of queries.

    ``events``: add the ``link.create`` events to this list instead of appending them now; the caller
    appends them in the same transaction with its own (``notice_queue_many``: one append at the end, so
    the audit chains' heads stay locked only for the end of the transaction, not through rendering).
    """
    rows = []
    versions: list[str] = []
    for case, point in pairs:
        pack = pack_for(case, now)
        versions.append(pack.version)
        rows.append(
            new_row(
                NegotiationLink,
                case=case,
                contact_point=point,
                created_at=now,
                created_by=actor.label,
                expires_at=now + timedelta(days=pack.link_expiry_days),
            )
        )
    created = bulk_insert(NegotiationLink, rows)
    pending = [
        PendingEvent(
            action="link.create",
            case_id=link.case_id,
            actor=actor,
            payload={
                "link": str(link.id),
                "contact_point": link.contact_point_id,
                "expires_at": link.expires_at,
                "policy_version": version,
                **({"for": purpose} if purpose else {}),
            },
        )
        for link, version in zip(created, versions, strict=True)
    ]
    if events is not None:
        events.extend(pending)
    else:
        audit_append_many(pending, at=now)
    return created
