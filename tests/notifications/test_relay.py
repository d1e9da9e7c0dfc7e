"""Exactly once as far as a provider allows (issue 15 item 4): a claim left by a dead worker is settled
with the provider, never sent again blind; the status is a state machine only the services drive; and
sending a batch costs a small, fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django_fsm import TransitionNotAllowed

from accounts.models import User
from debt_collections.errors import InvalidInput, NotPermitted
from debt_collections.kernel.audit import Actor
from debt_collections.models import CollectionCase
from debt_collections.services.links import links_for_notices
from notifications.channels import InMemorySmsBackend
from notifications.models import Notice
from notifications.services import (
    NoticeRequest,
    notice_queue_many,
    notice_reconcile_stale,
    notice_relay_due,
    notice_resolve_unknown,
    notice_send_many,
)
from tests.audit_support import audit_events
from tests.factories import SYSTEM, CreditAccountFactory, CustomerFactory, PhoneFactory, make_case
from tests.notifications.conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("notice_env")]

Status = Notice.Status
TIMEOUT = timedelta(seconds=settings.NOTICE_CLAIM_TIMEOUT_SECONDS)


def queued(count: int = 1) -> list[Notice]:
    """``count`` pending reminders (one per customer), queued in one batch without being handed over."""
    requests = []
    for _ in range(count):
        customer = CustomerFactory.create()
        phone = PhoneFactory.create(customer=customer)
        case = make_case(account=CreditAccountFactory.create(customer=customer))
        case = CollectionCase.objects.select_related("customer", "account").get(pk=case.pk)
        requests.append(NoticeRequest(case=case, template_key="reminder.soft", contact_point=phone))
    with transaction.atomic():
        notices = notice_queue_many(requests=requests, actor=SYSTEM, now=NOW, links=links_for_notices)
    return notices


def crashed_mid_send(notice: Notice, *, delivered: bool) -> None:
    """A worker claimed ``notice`` at ``NOW``, maybe reached the provider, and died before recording."""
    Notice.objects.filter(pk=notice.pk).update(status=Status.SENDING, claimed_at=NOW, attempts=1)
    if delivered:
        InMemorySmsBackend().send(
            to=notice.recipient, subject="", body=notice.body, idempotency_key=notice.idempotency_key,
            opt_out_url="",
        )


def test_a_stale_claim_the_provider_has_is_recorded_sent_without_a_second_call() -> None:
    [notice] = queued()
    crashed_mid_send(notice, delivered=True)

    # Not before the claim timeout: the worker may only be slow
    assert notice_reconcile_stale(now=NOW + TIMEOUT - timedelta(seconds=1)).sent == []
    settled = notice_reconcile_stale(now=NOW + TIMEOUT + timedelta(seconds=1))

    assert settled.sent == [notice.pk]
    row = Notice.objects.get(pk=notice.pk)
    assert row.status == Status.SENT
    assert row.provider_reference == InMemorySmsBackend.outbox[0].reference
    assert len(InMemorySmsBackend.outbox) == 1
    [event] = audit_events(action="notice.sent", payload={"notice": notice.pk})
    assert event.payload["reconciled"] is True
    # And sending it again changes nothing
    assert notice_send_many(notice_ids=[notice.pk], now=NOW + TIMEOUT * 2) == []


def test_a_stale_claim_the_provider_never_got_is_released_and_then_sent_once() -> None:
    [notice] = queued()
    crashed_mid_send(notice, delivered=False)
    later = NOW + TIMEOUT + timedelta(seconds=1)

    settled = notice_reconcile_stale(now=later)

    assert settled.released == [notice.pk]
    assert Notice.objects.get(pk=notice.pk).status == Status.PENDING
    assert len(audit_events(action="notice.released", payload={"notice": notice.pk})) == 1
    assert notice_relay_due(now=later) == [notice.pk]
    notice_send_many(notice_ids=notice_relay_due(now=later), now=later)
    assert Notice.objects.get(pk=notice.pk).status == Status.SENT
    assert [m.idempotency_key for m in InMemorySmsBackend.outbox] == [notice.idempotency_key]


def test_a_stale_claim_on_a_provider_that_cannot_tell_is_unknown_and_never_sent_again(
    settings: Any,
) -> None:
    [notice] = queued()
    crashed_mid_send(notice, delivered=False)
    settings.NOTICE_BACKENDS = {**settings.NOTICE_BACKENDS, "sms": "notifications.channels.ConsoleSmsBackend"}
    later = NOW + TIMEOUT + timedelta(seconds=1)

    settled = notice_reconcile_stale(now=later)

    assert settled.unknown == [notice.pk]
    row = Notice.objects.get(pk=notice.pk)
    assert row.status == Status.UNKNOWN and "console" in row.last_error
    assert len(audit_events(action="notice.unknown", payload={"notice": notice.pk})) == 1
    # Neither the relay nor a late delivery of the task sends it
    assert notice_relay_due(now=later + TIMEOUT) == []
    assert notice_send_many(notice_ids=[notice.pk], now=later + TIMEOUT) == []
    assert notice_reconcile_stale(now=later + TIMEOUT).unknown == []
    assert InMemorySmsBackend.outbox == []


def test_a_person_decides_an_unknown_delivery_and_it_is_audited(supervisor: User, agent: User) -> None:
    [notice] = queued()
    Notice.objects.filter(pk=notice.pk).update(status=Status.UNKNOWN)

    with pytest.raises(NotPermitted):
        notice_resolve_unknown(notice_id=notice.pk, delivered=True, actor=Actor.for_user(agent), note="x")
    with pytest.raises(InvalidInput):
        notice_resolve_unknown(notice_id=notice.pk, delivered=True, actor=Actor.for_user(supervisor), note="")
    decided = notice_resolve_unknown(
        notice_id=notice.pk, delivered=False, actor=Actor.for_user(supervisor),
        note="not in the provider's delivery report",
    )

    assert decided.status == Status.FAILED
    assert Notice.objects.get(pk=notice.pk).status == Status.FAILED
    [event] = audit_events(action="notice.resolved", payload={"notice": notice.pk})
    assert event.payload["delivered"] is False


def test_unknown_notices_are_one_filter_away_in_the_admin(admin_client: Any) -> None:
    unknown, sent = queued(2)
    Notice.objects.filter(pk=unknown.pk).update(status=Status.UNKNOWN)
    Notice.objects.filter(pk=sent.pk).update(status=Status.SENT)

    changelist = reverse("admin:notifications_notice_changelist")
    response = admin_client.get(changelist, {"status__exact": "unknown"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [Notice.objects.get(pk=unknown.pk)]
    assert "Unknown: a person must decide" in response.content.decode()


def test_a_late_outcome_from_a_worker_whose_claim_was_settled_does_not_overwrite_it() -> None:
    [notice] = queued()
    # A slow worker claims at NOW; the relay settles the claim (provider never got it) and it is sent again
    Notice.objects.filter(pk=notice.pk).update(status=Status.SENDING, claimed_at=NOW - TIMEOUT * 2)
    notice_reconcile_stale(now=NOW)
    notice_send_many(notice_ids=[notice.pk], now=NOW)
    row = Notice.objects.get(pk=notice.pk)
    assert row.status == Status.SENT and row.claimed_at == NOW


def test_the_status_changes_only_through_its_transitions() -> None:
    [notice] = queued()

    with pytest.raises(AttributeError):
        notice.status = Status.SENT  # protected: only the transitions set it
    with pytest.raises(TransitionNotAllowed):
        notice.mark_sent(reference="x", at=NOW)  # pending → sent skips the claim
    notice.claim(at=NOW)
    assert (notice.status, notice.claimed_at, notice.attempts) == (Status.SENDING, NOW, 1)
    with pytest.raises(TransitionNotAllowed):
        notice.block(decision={})  # a claimed notice is no longer the gate's to block
    notice.mark_unknown(reason="worker died")
    notice.mark_sent(reference="ref", at=NOW)
    assert notice.status == Status.SENT


def test_sending_a_batch_of_100_costs_a_small_fixed_number_of_queries(
    django_assert_max_num_queries: Any,
) -> None:
    notices = queued(100)

    # 18 today: the customers, locked, then the rows; the gate's reads (points sharing the values by
    # phone and by email, the people's cases, calls, sent notices by case and by point, quarantines), the
    # claim, the outcome, the references, the audit chain (head, events, head). None grows with the batch.
    with django_assert_max_num_queries(18):
        handled = notice_send_many(notice_ids=[n.pk for n in notices], now=NOW)

    assert len(handled) == 100
    assert Notice.objects.filter(status=Status.SENT).count() == 100
    assert len(InMemorySmsBackend.outbox) == 100


def test_a_supervisor_decides_unknown_deliveries_from_the_admin_list_with_a_note(admin_client: Any) -> None:
    unknown, pending = queued(2)
    Notice.objects.filter(pk=unknown.pk).update(status=Status.UNKNOWN)
    changelist = reverse("admin:notifications_notice_changelist")

    response = admin_client.post(
        changelist,
        {
            "action": "decide_delivered",
            "_selected_action": [unknown.pk, pending.pk],
            "apply": "yes",
            "note": "in the provider's delivery report",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert Notice.objects.get(pk=unknown.pk).status == Status.SENT
    assert Notice.objects.get(pk=pending.pk).status == Status.PENDING  # refused: not unknown
    page = response.content.decode()
    assert f"#{unknown.pk}" in page and "Only an unknown delivery can be decided" in page
