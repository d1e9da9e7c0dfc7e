"""Case tasks: the work items other services put in an agent's queue (find a new contact after a
wrong-party report, call back in the customer's window, review a hardship request).

Services create tasks in their own transactions; this module only closes them.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from debt_collections.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from debt_collections.kernel.access import may
from debt_collections.kernel.audit import Actor, audit_append
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.models import CaseTask


def task_complete(*, task_id: int, actor: Actor, now: datetime | None = None) -> CaseTask:
    """Mark the task done by ``actor`` at ``now`` (``done_at``/``done_by``), audited as ``task.done``.

    Only a person who works cases (an agent or a supervisor, within their scope) closes a task:
    compliance officers review, the system never closes one by itself. Returns the task. Raises
    ``NotPermitted`` (role, scope, agency licence), ``InvalidInput`` (``not_found``) and
    ``TransitionNotAllowed`` (``task_done``: it was already done). Not repeatable: a second call is refused
    and names who closed it, so two agents never both believe they did the work.
    """
    now = now or timezone.now()
    user = actor.user
    if user is None:
        raise NotPermitted("A task is marked done by the person who did it.")
    if not may(user, "task.complete"):
        raise NotPermitted("Agents and supervisors do the tasks; compliance officers review them.")
    with transaction.atomic():
        # The case first, then the task: the lock order every service uses.
        case_id = CaseTask.objects.filter(pk=task_id).values_list("case_id", flat=True).first()
        if case_id is None:
            raise InvalidInput(f"Task {task_id} does not exist.", code="not_found")
        case = lock_case(case_id)
        check_actor(actor, case, None, now)
        # No select_related: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
        task = CaseTask.objects.select_for_update().get(pk=task_id)
        if task.done_at is not None:
            who = task.done_by.username if task.done_by is not None else "someone"
            raise TransitionNotAllowed(
                f"This task was already done by {who} at {task.done_at:%Y-%m-%d %H:%M} UTC.", code="task_done"
            )
        task.done_at = now
        task.done_by = user
        task.save(update_fields=["done_at", "done_by"])
        audit_append(
            actor=actor,
            action="task.done",
            at=now,
            case=case,
            payload={
                "task": task.pk,
                "kind": task.kind,
                "due_at": task.due_at,
                "overdue": now > task.due_at,
            },
        )
    return task
