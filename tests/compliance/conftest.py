"""Fixtures of the compliance workspace tests: a second compliance officer, a superuser, a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from accounts.models import Role, User
from tests.factories import UserFactory

# Monday 2 March 2026, 04:00 UTC = 12:00 in Asia/Shanghai (the factories' customers): inside contact hours.
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


@pytest.fixture
def second_officer(db: Any) -> User:
    return UserFactory.create(username="compliance_two", roles=[Role.COMPLIANCE])


@pytest.fixture
def superuser(db: Any) -> User:
    return UserFactory.create(username="root", is_superuser=True, roles=[])


@pytest.fixture
def frozen(time_machine: Any) -> Iterator[Any]:
    """The clock at ``NOW`` (not ticking); ``frozen.shift(seconds)`` moves it on."""
    time_machine.move_to(NOW, tick=False)
    yield time_machine
