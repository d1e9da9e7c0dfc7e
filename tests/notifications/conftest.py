"""Fixtures for the notification tests: a frozen clock inside the contact window, eager Celery and the
in-memory SMS provider, so no test depends on a worker, a broker or the hour the suite runs at."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

# Monday 2 March 2026, 04:00 UTC = 12:00 in Asia/Shanghai (the customers' default zone): inside the
# CN window (08:00–21:00 local) and after the CN pack's effective date.
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


@pytest.fixture
def notice_env(sms_outbox: list[Any], time_machine: Any) -> None:
    """SMS to memory (tasks already run in-process), the clock frozen at ``NOW``."""
    time_machine.move_to(NOW, tick=False)
