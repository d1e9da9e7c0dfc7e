"""``bulk_insert`` (COPY) on PostgreSQL writes what ``bulk_create`` would, and fails the same way."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from debt_collections.kernel.audit import Actor, PendingEvent, audit_append_many, verify_chain
from debt_collections.kernel.bulk import bulk_insert
from debt_collections.models import AuditChainHead, CaseState, CollectionCase, NegotiationLink
from notifications.models import Notice, NoticeTemplate
from tests.factories import CreditAccountFactory, CustomerFactory, PhoneFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def _accounts(n: int) -> list[tuple[int, int]]:
    """(account id, customer id) of ``n`` new accounts, each customer with a phone."""
    made = []
    for _ in range(n):
        customer = CustomerFactory.create()
        PhoneFactory.create(customer=customer)
        made.append((CreditAccountFactory.create(customer=customer).pk, customer.pk))
    return made


def test_rows_get_the_ids_the_database_stored_and_read_back_equal() -> None:
    accounts = _accounts(3)
    cases = bulk_insert(
        CollectionCase, [CollectionCase(account_id=a, customer_id=c, opened_at=NOW) for a, c in accounts]
    )
    assert [c.pk for c in cases] == sorted(c.pk for c in cases)
    stored = {c.pk: c for c in CollectionCase.objects.filter(pk__in=[c.pk for c in cases])}
    assert set(stored) == {c.pk for c in cases}
    for case, (account_id, customer_id) in zip(cases, accounts, strict=True):
        row = stored[case.pk]
        assert (row.account_id, row.customer_id, row.state, row.opened_at) == (
            account_id,
            customer_id,
            CaseState.EARLY,
            NOW,
        )
        assert row.updated_at is not None  # pre_save ran (auto_now)
        assert not case._state.adding
    # and the sequence moved on: the next ordinary insert gets a fresh id
    other = _accounts(1)[0]
    later = CollectionCase.objects.create(account_id=other[0], customer_id=other[1], opened_at=NOW)
    assert later.pk > max(c.pk for c in cases)


def test_json_uuid_and_null_values_round_trip() -> None:
    ((account_id, customer_id),) = _accounts(1)
    case = CollectionCase.objects.create(account_id=account_id, customer_id=customer_id, opened_at=NOW)
    point = case.customer.contact_points.get()
    template = NoticeTemplate.objects.filter(status="approved", channel="sms").first()
    assert template is not None
    decision = {
        "allowed": False,
        "blocked_by": ["HOURS"],
        "next_allowed_at": None,
        "reasons": {"HOURS": "夜间"},
    }
    (notice,) = bulk_insert(
        Notice,
        [
            Notice(
                case=case,
                template=template,
                contact_point=point,
                channel="sms",
                recipient=point.value,
                body="正文 body",
                body_hash="0" * 64,
                due_date=date(2026, 3, 2),
                idempotency_key="bulk-test-1",
                status=Notice.Status.PENDING,
                not_before=None,
                decision=decision,
                queued_at=NOW,
                queued_by="test",
                context={"portal_url": "http://x/n/abc/"},
            )
        ],
    )
    stored = Notice.objects.get(pk=notice.pk)
    assert stored.decision == decision
    assert stored.context == {"portal_url": "http://x/n/abc/"}
    assert stored.not_before is None and stored.body == "正文 body"

    (link,) = bulk_insert(
        NegotiationLink,
        [
            NegotiationLink(
                case=case,
                contact_point=point,
                created_at=NOW,
                created_by="test",
                expires_at=NOW + timedelta(days=14),
            )
        ],
    )
    assert NegotiationLink.objects.get(pk=link.pk).expires_at == NOW + timedelta(days=14)


def test_a_duplicate_is_an_integrity_error_and_nothing_of_the_batch_stays() -> None:
    ((account_id, customer_id),) = _accounts(1)
    CollectionCase.objects.create(account_id=account_id, customer_id=customer_id, opened_at=NOW)
    before = CollectionCase.objects.count()
    # a second open case for the same account breaks the partial unique index
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(
            CollectionCase, [CollectionCase(account_id=account_id, customer_id=customer_id, opened_at=NOW)]
        )
    assert CollectionCase.objects.count() == before


def test_a_stale_chain_head_neither_forks_the_chain_nor_blocks_the_append() -> None:
    AuditChainHead.objects.get_or_create(pk=0)
    event = PendingEvent(action="test.event", case_id=None, payload={"n": 1}, actor=Actor.system("test"))
    with transaction.atomic():
        audit_append_many([event], at=NOW)
    # Rewind the head as a writer that skipped the lock would see it (or as someone moved it back)
    from debt_collections.models import AuditEvent

    last = AuditEvent.objects.get(chain=0, seq=AuditChainHead.objects.get(pk=0).last_seq)
    AuditChainHead.objects.filter(pk=0).update(last_seq=last.seq - 1, last_hash=last.prev_hash)

    # the next append follows the last stored event instead of reusing its seq and prev_hash
    with transaction.atomic():
        audit_append_many([event], at=NOW)

    stored = list(AuditEvent.objects.filter(chain=0).order_by("seq").values_list("seq", "prev_hash", "hash"))
    assert [s for s, _p, _h in stored[-2:]] == [last.seq, last.seq + 1]
    assert stored[-1][1] == last.hash
    assert verify_chain().ok