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

from accounts.models import ContactPoint, QuarantinedContact, QuarantineRelease, Role
from debt_collections.errors import InvalidInput, NotPermitted
from debt_collections.kernel.audit import Actor, audit_append


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

    Raises ``NotPermitted`` unless a supervisor or compliance officer decides; ``InvalidInput`` when the
    verification channel or the reason is missing, when the value is not quarantined, or when it was
    already released for this customer. Audited as ``contact.quarantine_released_for_customer``.
    """
    now = now or timezone.now()
    user = actor.user
    if user is None or not (
        user.is_superuser or user.has_role(Role.SUPERVISOR) or user.has_role(Role.COMPLIANCE)
    ):
        raise NotPermitted("Only a supervisor or compliance officer can restore a quarantined contact.")
    if not verified_via.strip():
        raise InvalidInput("Say how the customer's identity was verified (another channel).")
    if not reason.strip():
        raise InvalidInput("Say why the contact is restored for this customer.")
    with transaction.atomic():
        point = ContactPoint.objects.select_for_update().select_related("customer").get(pk=contact_point_id)
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
    return release
