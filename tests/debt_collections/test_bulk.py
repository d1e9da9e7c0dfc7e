"""``bulk_insert`` on SQLite and PostgreSQL alike: an ``auto_now`` time the caller set is kept (a bulk step
writes with its own clock, as its updates do); one it left empty is the clock's, as ``save`` gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from debt_collections.kernel.bulk import bulk_insert
from debt_collections.models import CollectionCase
from tests.factories import CreditAccountFactory, make_case

pytestmark = pytest.mark.django_db

WALL = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
CYCLE_NOW = WALL - timedelta(days=180)  # a backfill: the cycle's clock, not the wall's


def test_a_preset_auto_now_time_is_kept_and_an_empty_one_is_the_clocks(time_machine: Any) -> None:
    time_machine.move_to(WALL, tick=False)
    accounts = [CreditAccountFactory.create() for _ in range(3)]

    cases = bulk_insert(
        CollectionCase,
        [
            CollectionCase(
                account=a, customer_id=a.customer_id, opened_at=CYCLE_NOW, updated_at=CYCLE_NOW if i else None
            )
            for i, a in enumerate(accounts)
        ],
    )

    stored = dict(CollectionCase.objects.filter(pk__in=[c.pk for c in cases]).values_list("pk", "updated_at"))
    assert [stored[c.pk] for c in cases] == [WALL, CYCLE_NOW, CYCLE_NOW]
    assert [c.updated_at for c in cases] == [WALL, CYCLE_NOW, CYCLE_NOW]


def _stored(model: Any, pk: int, exclude: set[str]) -> dict[str, Any]:
    row = model.objects.filter(pk=pk).values().get()
    return {k: v for k, v in row.items() if k not in exclude}


def test_every_field_is_stored_as_save_stores_it() -> None:
    """JSON (dumped with the field's encoder, ``None`` as NULL), dates, times, decimals, foreign keys and
    defaults: a row written by ``bulk_insert`` reads back as the same row written by ``save``."""
    from debt_collections.models import QueueEntry

    first, second = (make_case() for _ in range(2))
    when = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)

    def entry(case: CollectionCase) -> QueueEntry:
        return QueueEntry(
            case=case,
            score=7,
            reasons=[{"why": "promise broken", "amount": "12.50"}, "ünïcode"],
            next_action="call",
            call_from=when,
            call_blocked_by=[],
            computed_at=when,
        )

    saved = entry(first)
    saved.save()
    [bulk] = bulk_insert(QueueEntry, [entry(second)])

    assert bulk.pk is not None
    assert _stored(QueueEntry, bulk.pk, {"id", "case_id"}) == _stored(QueueEntry, saved.pk, {"id", "case_id"})
    # Decimals, dates and the generated column (left to the database) of an account, copied field by field.
    account = first.account
    fields = [f for f in type(account)._meta.concrete_fields if not f.primary_key and not f.generated]
    copy = type(account)(**{f.attname: getattr(account, f.attname) for f in fields})
    copy.account_number = "BULK-0001"
    [copied] = bulk_insert(type(account), [copy])
    exclude = {"id", "account_number"}
    assert _stored(type(account), copied.pk, exclude) == _stored(type(account), account.pk, exclude)


def test_new_row_builds_the_instance_the_model_builds() -> None:
    """``new_row`` takes the positional path: every concrete field as ``Model(**values)`` sets it (defaults
    included), related objects given cached on the instance, unknown names refused."""
    from django.db.models import Model

    from debt_collections.kernel.bulk import new_row
    from debt_collections.models import NegotiationLink

    case = make_case()
    point = case.customer.contact_points.first()
    when = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
    given: list[tuple[type[Model], dict[str, Any]]] = [
        (CollectionCase, {"account": case.account, "customer_id": case.customer_id, "opened_at": when}),
        (
            NegotiationLink,
            {"case": case, "contact_point": point, "created_at": when, "created_by": "system:t",
             "expires_at": when + timedelta(days=7)},
        ),
        (NegotiationLink, {"case": case, "contact_point": None, "created_at": when, "expires_at": when}),
    ]  # fmt: skip
    for model, values in given:
        fast, slow = new_row(model, **values), model(**values)
        for f in model._meta.concrete_fields:
            if f.primary_key and callable(f.default):  # a fresh UUID each time
                continue
            assert getattr(fast, f.attname) == getattr(slow, f.attname), f.name
        for name, value in values.items():
            field = model._meta.get_field(name)
            if field.is_relation and name == field.name and value is not None:
                assert field.is_cached(fast) and getattr(fast, name) is value  # type: ignore[union-attr]
        assert fast._state.adding
    with pytest.raises(TypeError):
        new_row(CollectionCase, acount=case.account)
