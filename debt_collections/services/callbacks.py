"""Callbacks the customer asks for: a task in the agent's queue for a window they chose (DESIGN §7).

The window must be one in which a call is allowed at all: inside the pack's contact hours and days in
the customer's own time zone. The call itself still goes through the gate when it is placed (caps,
holds, opt-outs are judged then, not now).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from django.db import transaction
from django.utils import timezone

from debt_collections import selectors
from debt_collections.errors import InvalidInput
from debt_collections.kernel.audit import Actor, audit_append
from debt_collections.kernel.locking import check_actor, lock_case
from debt_collections.models import TERMINAL, CaseTask
from debt_collections.policies.localtime import customer_zone, local_wall

MAX_AHEAD: Final = timedelta(days=14)


def callback_request(
    *, case_id: int, window_start: datetime, window_end: datetime, actor: Actor, now: datetime | None = None
) -> CaseTask:
    """Create a ``callback`` task due at ``window_start`` (until ``window_end``).

    The window must start in the future, end at most 14 days from now, and lie within one local day's
    contact hours on a contact day that is not a bank holiday, in the customer's time zone (the hours
    are half open: a window may end exactly at closing time). Returns the task. Raises ``InvalidInput``
    (``invalid_window``, ``outside_contact_hours``, a finished case) and ``NotPermitted`` (scope). Each
    call creates a new task.
    """
    now = now or timezone.now()
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise InvalidInput("The window's times must include a time zone.", code="invalid_window")
    if not window_start < window_end:
        raise InvalidInput("The window must end after it starts.", code="invalid_window")
    if window_start <= now:
        raise InvalidInput("The window must be in the future.", code="invalid_window")
    if window_end > now + MAX_AHEAD:
        raise InvalidInput("A callback can be booked at most 14 days ahead.", code="invalid_window")
    with transaction.atomic():
        case = lock_case(case_id)
        check_actor(actor, case, None, now, action="callback.request")
        if case.state in TERMINAL:
            raise InvalidInput("The case is finished.", code="case_finished")
        pack = selectors.case_pack(case, now)
        zone = customer_zone(case.customer)
        start, end = local_wall(window_start, zone), local_wall(window_end, zone)
        opens, closes = pack.contact_window_start, pack.contact_window_end
        day = start.date()
        if end.date() != day or not (opens <= start.time() and end.time() <= closes):
            raise InvalidInput(
                f"The window must be within contact hours, {opens:%H:%M}–{closes:%H:%M} in the customer's "
                "time, on one day.",
                code="outside_contact_hours",
            )
        if day.weekday() not in pack.contact_days or day in pack.bank_holidays:
            raise InvalidInput(
                "The customer may not be called on that day under their policy.", code="outside_contact_hours"
            )
        task = CaseTask.objects.create(
            case=case,
            kind=CaseTask.Kind.CALLBACK,
            due_at=window_start,
            window_end=window_end,
            note=f"Call back between {start:%Y-%m-%d %H:%M} and {end:%H:%M} (customer's time).",
            created_at=now,
            created_by=actor.label,
        )
        audit_append(
            actor=actor,
            action="callback.requested",
            at=now,
            case=case,
            payload={
                "task": task.pk,
                "window_start": window_start,
                "window_end": window_end,
                "local_window": f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}",
                "time_zone": str(zone),
            },
        )
    return task
