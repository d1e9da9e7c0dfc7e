"""``bulk_insert`` on SQLite and PostgreSQL alike: an ``auto_now`` time the caller set is kept (a bulk step
writes with its own clock, as its updates do); one it left empty is the clock's, as ``save`` gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from debt_collections.kernel.bulk import bulk_insert
from debt_collections.models import CollectionCase
from tests.factories import CreditAccountFactory

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
