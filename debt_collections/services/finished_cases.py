"""What a case's end closes (issue 14): its open tasks (a callback, a promise follow-up, a review) are
done the moment the case is resolved or closed, so they leave the agents' lists; its work-queue row goes.

Called with the cases a transition just moved (``case_transitions``), inside its transaction: one UPDATE
and one audit event per case that had open tasks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from debt_collections.kernel.audit import Actor, PendingEvent, audit_append_many
from debt_collections.models import TERMINAL, CaseTask, CollectionCase, QueueEntry


def case_tasks_close_finished(*, cases: Sequence[CollectionCase], actor: Actor, now: datetime) -> int:
    """Mark done (at ``now``, by nobody: the case ended) the open tasks of those ``cases`` that are now
    resolved or closed, audited as ``task.closed_with_case``; returns how many. Safe to repeat."""
    finished = [c.pk for c in cases if c.state in TERMINAL]
    if not finished:
        return 0
    QueueEntry.objects.filter(case_id__in=finished).delete()
    open_tasks = CaseTask.objects.filter(case_id__in=finished, done_at__isnull=True)
    by_case: dict[int, list[int]] = defaultdict(list)
    for task_id, case_id in open_tasks.values_list("pk", "case_id"):
        by_case[case_id].append(task_id)
    if not by_case:
        return 0
    closed = CaseTask.objects.filter(pk__in=[t for ts in by_case.values() for t in ts]).update(done_at=now)
    audit_append_many(
        [
            PendingEvent(
                action="task.closed_with_case",
                case_id=case_id,
                actor=actor,
                payload={"tasks": sorted(task_ids), "reason": "the case was resolved or closed"},
            )
            for case_id, task_ids in sorted(by_case.items())
        ],
        at=now,
    )
    return closed
