"""The recorded path back for a customer who said "this is not me" by mistake (issue 12).

A wrong-party report quarantines the number for every customer at once, with no verification, by design
(a stranger must be able to stop the messages). The real customer who pressed it by mistake gets their
number back only when a supervisor or compliance officer decides it, after the customer's identity was
verified through another channel (a call to the number on the contract, a branch visit, a document
check), and only for that customer: the quarantine stays for everyone else on file with the same value.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import ContactPoint, Customer, QuarantinedContact, QuarantineRelease
from debt_collections.errors import InvalidInput, NotFound, NotPermitted
from debt_collections.kernel.access import agency_user_is_active, may
from debt_collections.kernel.audit import Actor, audit_append
from debt_collections.kernel.scope import row_scope
from debt_collections.services.queue import queue_refresh_after_commit


def contact_quarantine_release_for_customer(
    *,
    contact_point_id: int,
    actor: Actor,
    verified_via: str,
    reason: str,
    now: datetime | None = None,
) -> QuarantineRelease:
    """Set the active quarantine of this point's value aside for the point's customer only, and mark the
    point verified again. Returns the release.

    Raises ``NotPermitted`` unless a supervisor or compliance officer decides (the role first, so a
    person without it learns nothing from the other checks; an agency's staff only while its licence
    holds); ``NotFound`` for a point whose customer is outside the decider's scope; ``InvalidInput`` when
    the verification channel or the reason is missing, when the value is not quarantined, or when it was
    already released for this customer. Audited as ``contact.quarantine_released_for_customer``. After
    the commit the customer's work-queue rows are recomputed: the stored "may be called now" reads the
    restored number (issue 14).
    """
    now = now or timezone.now()
    user = actor.user
    if user is None or not may(user, "quarantine.release"):
        raise NotPermitted("Only a supervisor or compliance officer can restore a quarantined contact.")
    if not agency_user_is_active(user, timezone.localdate(now)):
        raise NotPermitted("Your agency's licence or contract is not valid today.", code="agency_licence")
    if not verified_via.strip():
        raise InvalidInput("Say how the customer's identity was verified (another channel).")
    if not reason.strip():
        raise InvalidInput("Say why the contact is restored for this customer.")
    with transaction.atomic():
        in_scope = Customer.objects.filter(row_scope(user, "cases__agency_id", timezone.localdate(now)))
        point = (
            ContactPoint.objects.select_for_update()
            .filter(pk=contact_point_id, customer__in=in_scope.values("pk"))
            .first()
        )
        if point is None:
            raise NotFound("Contact point not found.")
        quarantine = (
            QuarantinedContact.objects.select_for_update()
            .filter(value=point.value, lifted_at__isnull=True)
            .first()
        )
        if quarantine is None:
            raise InvalidInput("This contact is not quarantined.", code="not_quarantined")
        if QuarantineRelease.objects.filter(quarantine=quarantine, customer_id=point.customer_id).exists():
            raise InvalidInput("It was already restored for this customer.", code="already_released")
        release = QuarantineRelease.objects.create(
            quarantine=quarantine,
            customer_id=point.customer_id,
            contact_point=point,
            decided_by=user,
            decided_at=now,
            verified_via=verified_via.strip(),
            reason=reason.strip(),
        )
        point.status = ContactPoint.Status.VERIFIED
        point.verified_at = now
        point.save(update_fields=["status", "verified_at"])
        audit_append(
            actor=actor,
            action="contact.quarantine_released_for_customer",
            at=now,
            case=None,
            payload={
                "quarantine": quarantine.pk,
                "release": release.pk,
                "customer": point.customer_id,
                "contact_point": point.pk,
                "verified_via": release.verified_via,
                "reason": release.reason,
            },
        )
        queue_refresh_after_commit(customer_ids=[point.customer_id], now=now)
    return release
