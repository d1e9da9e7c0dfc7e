"""Browser tests: Playwright's sync API driving Debian's chromium against pytest-django's ``live_server``.

* Playwright's sync API runs an event loop in the test thread, and Django refuses ORM calls from a thread
  with a running loop; the tests create their data with the ORM, so allow it (test-only setting).
* No ``playwright install``: the system chromium (``/usr/bin/chromium``) is used. Where it is missing the
  tests are skipped, except under ``CI=true``, where they FAIL (a CI job must not go green by skipping).
* ``live_server`` makes every test transactional: tables are flushed after each test, so the audit chain
  head and the approved notice templates are put back before each one (``tests/conftest.py`` drops the
  audit triggers that would refuse the flush).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING = (
    f"browser test: needs Debian's chromium at {CHROMIUM} (apt-get install -y chromium); "
    "never `playwright install`"
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _chromium_missing() -> bool:
    return not CHROMIUM.exists()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip before any fixture runs when chromium is missing outside CI (no live server, no flush)."""
    if item.get_closest_marker("e2e") is not None and _chromium_missing() and not _in_ci():
        pytest.skip(MISSING)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """Under ``CI=true`` a missing chromium FAILS the test (in the call phase: reported as failed)."""
    if item.get_closest_marker("e2e") is not None and _chromium_missing():
        pytest.fail(f"CI=true but {MISSING}", pytrace=False)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if _chromium_missing():  # only reached under CI=true, where the call phase fails the test
        yield None
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) with a phone-sized viewport; tests may resize it."""
    if browser is None:
        yield None
        return
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(autouse=True)
def _fresh_reference_rows(live_server: Any) -> None:
    """Put back what the previous transactional test's flush removed: the audit chain head and the
    approved notice templates (the data migrations created them once, on the empty test database)."""
    from debt_collections.models import AuditChainHead
    from notifications.services import templates_install_library

    AuditChainHead.objects.get_or_create(pk=0)
    templates_install_library()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    from django.conf import settings

    path = Path(settings.BASE_DIR) / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path
