"""Handing notices to the workers after commit.

Services never import Celery tasks (tasks are entry points that call services): the task is looked up by
name in the Celery app (``NotificationsConfig.ready`` registers it), which keeps eager mode in tests and
real workers alike. A broker outage is logged, not raised: the outbox row is the source of truth and the
relay sends it later.
"""

from __future__ import annotations

import logging

from celery import current_app

logger = logging.getLogger(__name__)

SEND_TASK = "notifications.send_notice_batch"
# Notices per broker message: thousands of publishes would cost the cycle more than the work itself, and
# batches still spread over every worker.
SEND_BATCH = 100


def enqueue_send_many(notice_ids: list[int]) -> None:
    """Hand these notices to the workers, ``SEND_BATCH`` per message. Call it after commit."""
    task = current_app.tasks[SEND_TASK]
    for start in range(0, len(notice_ids), SEND_BATCH):
        batch = notice_ids[start : start + SEND_BATCH]
        try:
            task.delay(batch)
        except Exception:  # broker down or unreachable: the rows stay pending and the relay sends them
            which = f"notice {batch[0]}" if len(batch) == 1 else f"{len(batch)} notices"
            logger.warning("could not enqueue %s; the relay will send it", which, exc_info=True)
