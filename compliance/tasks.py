"""Celery entry points of the workspace."""

from __future__ import annotations

from celery import shared_task

from compliance import services


@shared_task(name="compliance.verify_audit_chain", acks_late=True, ignore_result=True)
def verify_audit_chain(verification_id: int) -> bool | None:
    """Run one requested verification (``AuditVerification`` row); safe to deliver twice."""
    return services.verification_execute(verification_id=verification_id).ok


@shared_task(name="compliance.verify_audit_chain_nightly", ignore_result=True)
def verify_audit_chain_nightly() -> int:
    """Beat: verify the whole chain every night, so tampering is found without anyone asking."""
    from debt_collections.kernel.audit import Actor

    return services.verification_start(actor=Actor.system("nightly_verification")).pk
