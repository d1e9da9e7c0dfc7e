"""Handing notices to the workers after commit.

Services never import Celery tasks (tasks are entry points that call services): the task is looked up by
name in the Celery app (``kernel.dispatch.task_enqueue``, the one way every service hands work to Celery),
which keeps eager mode in tests and real workers alike. A broker outage is logged, not raised: the outbox
row is the source of truth and the relay sends it later.
"""

from __future__ import annotations

from debt_collections.kernel.dispatch import task_enqueue

SEND_TASK = "notifications.send_notice_batch"
# Notices per broker message: thousands of publishes would cost the cycle more than the work itself, and
# batches still spread over every worker.
SEND_BATCH = 100


def enqueue_send_many(notice_ids: list[int]) -> None:
    """Hand these notices to the workers, ``SEND_BATCH`` per message. Call it after commit."""
    for start in range(0, len(notice_ids), SEND_BATCH):
        batch = notice_ids[start : start + SEND_BATCH]
        which = f"notice {batch[0]}" if len(batch) == 1 else f"{len(batch)} notices"
        task_enqueue(SEND_TASK, batch, what=which)
