"""Integration tests need the real services (DESIGN §2: ``tests/integration``).

* On the embedded run (no ``DATABASE_URL``, no ``REQUIRE_SERVICES``) they are skipped with a reason.
* With ``REQUIRE_SERVICES=1`` (the second CI pass) they must run: if PostgreSQL is not the configured
  database they FAIL, so a mis-set CI job cannot go green by skipping them.
* With PostgreSQL configured they run, whether or not ``REQUIRE_SERVICES`` is set.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection

SKIP_REASON = (
    "integration test: needs PostgreSQL (set DATABASE_URL=postgres://…); runs in the services CI pass"
)


def _services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes", "on"}


def _postgresql_configured() -> bool:
    # ``vendor`` is a class attribute of the backend: reading it opens no connection.
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every ``integration``-marked test (wherever it lives) on an embedded-only run.

    This hook sees the whole session's items, not only this folder's, so it filters by marker.
    When services are required nothing is skipped here: ``pytest_runtest_call`` below fails them instead.
    """
    if _postgresql_configured() or _services_required():
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if item.get_closest_marker("integration") is not None:
            item.add_marker(skip)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """FAIL (never skip) an integration test when services are required but PostgreSQL is not configured.

    Raised in the call phase, so the report says *failed*, not a setup error. (Runtest hooks in this
    conftest apply to the tests in this folder, which is where integration tests live.)
    """
    if item.get_closest_marker("integration") is None or _postgresql_configured():
        return
    if _services_required():
        pytest.fail(
            f"REQUIRE_SERVICES is set but the configured database is {connection.vendor!r}, not "
            "PostgreSQL: set DATABASE_URL=postgres://… (integration tests must run, not skip).",
            pytrace=False,
        )
