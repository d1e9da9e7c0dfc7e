"""Celery tasks: thin entry points that call the services."""

from __future__ import annotations

import logging

from celery import shared_task

from notifications import services

logger = logging.getLogger(__name__)


@shared_task(name="notifications.send_notice", acks_late=True, ignore_result=True)
def send_notice(notice_id: int) -> str:
    """Send one queued notice. Safe to deliver twice: the service claims the row first."""
    return str(services.notice_send(notice_id=notice_id).status)


@shared_task(name="notifications.send_notice_batch", acks_late=True, ignore_result=True)
def send_notice_batch(notice_ids: list[int]) -> int:
    """Send several queued notices (the daily cycle enqueues in batches: one broker message per batch).

    Each notice is still claimed on its own row, so a batch delivered twice, or overlapping a single
    ``send_notice``, sends nothing twice.
    """
    return len(services.notice_send_many(notice_ids=list(notice_ids)))


@shared_task(name="notifications.relay_pending_notices", ignore_result=True)
def relay_pending_notices() -> int:
    """Periodic: settle claims left by a dead worker (asked of the provider, never sent again blind), then
    re-enqueue the notices left pending (broker down, a lost message, or released by that settling)."""
    settled = services.notice_reconcile_stale()
    if settled.sent or settled.released or settled.unknown:
        logger.info(
            "settled stale claims: %d sent, %d released, %d unknown",
            len(settled.sent),
            len(settled.released),
            len(settled.unknown),
        )
    ids = services.notice_relay_due()
    for notice_id in ids:
        send_notice.delay(notice_id)
    if ids:
        logger.info("relayed %d pending notices", len(ids))
    return len(ids)
