"""The notices' side of the demo: the worker that sends them at their own instant, and the nightly
cycle's reminder rungs."""

from __future__ import annotations

from datetime import datetime, timedelta

from accounts.models import ContactPoint
from debt_collections.models import CollectionCase
from debt_collections.services.links import links_for_notices
from demo.reference import CYCLE
from notifications.models import Notice
from notifications.services import NoticeRequest, notice_queue_many, notice_send_many


class Outbox:
    """Sends the demo's notices as an always-running worker would: right after the step that queued
    them, or once the time they were deferred to has come."""

    def __init__(self) -> None:
        self.pending: dict[int, datetime | None] = {}  # notice id -> not before
        self.seen = Notice.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def collect(self) -> None:
        """Note the notices the last step queued (pending ones, with the time they may go out)."""
        rows = Notice.objects.filter(pk__gt=self.seen).values_list("pk", "status", "not_before")
        for pk, status, not_before in rows:
            self.seen = max(self.seen, pk)
            if status == Notice.Status.PENDING:
                self.pending[pk] = not_before

    def deliver(self, at: datetime) -> None:
        """Send the pending notices due by ``at``, as a worker running at ``at`` would.

        Real workers send right after the queueing transaction commits; the demo's single transaction
        commits only at the end, and by then the notices would be judged by today's state (a reminder
        queued in May blocked by a hold placed in October). So the demo sends them here, at their own
        instant: the gate re-checks them at ``at`` and the outcome is recorded at ``at`` (a ``now`` given
        to ``notice_send_many`` also stamps the outcome). Notices deferred again wait for their new time.
        """
        due = [pk for pk, not_before in self.pending.items() if not_before is None or not_before <= at]
        if not due:
            return
        notice_send_many(notice_ids=due, now=at)
        rows = Notice.objects.filter(pk__in=due).values_list("pk", "status", "not_before")
        for pk, status, not_before in rows:
            if status == Notice.Status.PENDING and not_before is not None and not_before > at:
                self.pending[pk] = not_before
            else:
                self.pending.pop(pk, None)


KIND_ORDER: dict[str, int] = {
    ContactPoint.Kind.PHONE: 0,
    ContactPoint.Kind.EMAIL: 1,
    ContactPoint.Kind.POSTAL: 2,
}


def queue_ladder_rung(*, case_id: int, key: str, threshold: int, now: datetime) -> None:
    """The nightly cycle's reminder for one rung, built as ``cycle._queue_ladder_notices`` builds it (the
    same contact point, idempotency key and purpose), so today's real cycle does not send it again."""
    case = CollectionCase.objects.select_related("account", "customer").get(pk=case_id)
    points = ContactPoint.objects.filter(
        customer_id=case.customer_id,
        status__in=[ContactPoint.Status.VERIFIED, ContactPoint.Status.UNVERIFIED],
    ).order_by("pk")
    verified = sorted(
        (x for x in points if x.status == ContactPoint.Status.VERIFIED), key=lambda x: KIND_ORDER[x.kind]
    )
    point = verified[0] if verified else next((x for x in points if x.kind == ContactPoint.Kind.PHONE), None)
    if point is None or case.account.due_date is None:
        return
    # An unverified point gets the limited-content prompt instead: no amount, no creditor.
    request = NoticeRequest(
        case=case,
        template_key=key if verified else "contact.prompt",
        contact_point=point,
        due_date=case.account.due_date + timedelta(days=threshold),
        purpose=f"ladder:{key}",
        by_service=True,
    )
    notice_queue_many(requests=[request], actor=CYCLE, now=now, links=links_for_notices)
