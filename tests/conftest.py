"""Shared fixtures: the people every scoping test checks (agent, other-agency agent, supervisor,
compliance officer, anonymous) and the audit-trigger handling for transactional tests."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from accounts.models import Role, User
from debt_collections.kernel.db_triggers import drop_audit_triggers
from debt_collections.models import AuditChainHead
from notifications.services import templates_install_library
from tests.audit_support import use_owner_role, use_runtime_role
from tests.factories import AgencyFactory, UserFactory


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> None:
    """PBKDF2 at production strength costs ~0.3 s per user; the suite creates hundreds of users."""
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_hashers.cache_clear()  # type: ignore[attr-defined]  # an lru_cache the stubs do not declare


@pytest.fixture(autouse=True, scope="session")
def _audit_signing_key(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One signing key for the session, in a temporary directory (never the developer's var/ key)."""
    from django.conf import settings

    from debt_collections.kernel.audit_keys import generate_key_file

    path = tmp_path_factory.mktemp("audit-key") / "audit-signing-key.pem"
    generate_key_file(path)
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = path
    settings.AUDIT_CHECKPOINT_STORE = "local"
    # Worker processes the integration tests start read their settings from the environment: the same key.
    os.environ["AUDIT_SIGNING_KEY"] = ""
    os.environ["AUDIT_SIGNING_KEY_FILE"] = str(path)
    os.environ["AUDIT_CHECKPOINT_DIR"] = str(tmp_path_factory.mktemp("worker-checkpoints"))


@pytest.fixture(autouse=True)
def _audit_checkpoint_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A fresh, empty checkpoint store per test: a checkpoint of a rolled-back test's chain must not be
    found by the next test (the directory is only created when something is published)."""
    from django.conf import settings

    settings.AUDIT_CHECKPOINT_DIR = tmp_path_factory.getbasetemp() / f"checkpoints-{next(_store_numbers)}"


_store_numbers = itertools.count()


@pytest.fixture(autouse=True)
def _audit_triggers_for_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """Transactional and live-server tests end with a table flush, which the audit triggers refuse.

    pytest-django runs every transactional test after all rollback-based tests, so dropping the
    triggers here (and not restoring them) never weakens a rollback-based test: those have all run.
    """
    if _is_transactional(request.node):
        request.getfixturevalue("django_db_setup")
        blocker = request.getfixturevalue("django_db_blocker")
        with blocker.unblock():
            # The flush at the end truncates every table: only the owner may (see _runtime_role).
            use_owner_role()
            drop_audit_triggers(connection)
            # A flush at the end of an earlier transactional test also removed the rows migrations put
            # there: the audit chain head and the shipped notice templates. Put them back.
            AuditChainHead.objects.get_or_create(pk=0)
            templates_install_library()
    yield


@pytest.fixture(autouse=True)
def _runtime_role(request: pytest.FixtureRequest) -> None:
    """PostgreSQL with ``DATABASE_RUNTIME_ROLE`` (CI): each database test runs as the runtime role.

    Migrations ran as the login role (the owner), whose ``post_migrate`` granted the runtime role its
    privileges; ``SET ROLE`` then makes every statement of the test be checked against the runtime role's
    privileges, exactly as a connection logged in as it. Transactional tests stay the owner: the flush
    that ends them truncates the audit table, which the runtime role may not.
    """
    names = getattr(request.node, "fixturenames", ())
    uses_db = request.node.get_closest_marker("django_db") is not None or "db" in names
    if not uses_db or _is_transactional(request.node) or not settings.DATABASE_RUNTIME_ROLE:
        return
    request.getfixturevalue("django_db_setup")
    with request.getfixturevalue("django_db_blocker").unblock():
        use_runtime_role()


@pytest.fixture(autouse=True)
def _fresh_rate_counters(request: pytest.FixtureRequest) -> None:
    """Login lockouts and throttles count in the shared cache: every test starts with none of them.

    On Redis (the PostgreSQL pass) the counters outlive a test; the database cache table outlives a
    transactional test (a flush empties model tables only). Clearing needs the test database, so only
    tests that use it clear (a pure test never reaches a counter)."""
    from django.conf import settings

    from config.security import clear_rate_counters

    redis = settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    names = set(getattr(request.node, "fixturenames", ()))
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        names & {"db", "transactional_db", "live_server", "django_db_reset_sequences"}
    )
    if redis:
        clear_rate_counters()
    elif uses_db:
        request.getfixturevalue("django_db_setup")
        with request.getfixturevalue("django_db_blocker").unblock():
            clear_rate_counters()


@pytest.fixture(autouse=True)
def _celery_in_process(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tasks run in-process in every test but the integration ones, which start real workers.

    With REDIS_URL set (CI's second pass) tasks would otherwise be published to a broker no worker of
    this test listens to; only tests marked ``integration`` talk to a real worker.
    """
    from config.celery import app

    if request.node.get_closest_marker("integration") is not None:
        yield
        return
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def sms_outbox(settings: Any) -> Iterator[list[Any]]:
    """SMS go to the in-memory provider (Celery is already in-process, see ``_celery_in_process``); yields
    the list of messages the provider received, emptied before and after the test."""
    from notifications.channels import InMemorySmsBackend

    backend = "notifications.channels.InMemorySmsBackend"
    settings.NOTICE_BACKENDS = {**settings.NOTICE_BACKENDS, "sms": backend}
    InMemorySmsBackend.reset()
    try:
        yield InMemorySmsBackend.outbox
    finally:
        InMemorySmsBackend.reset()


@pytest.fixture
def agency(db: Any) -> Any:
    return AgencyFactory.create(name="North Star Recoveries")


@pytest.fixture
def other_agency(db: Any) -> Any:
    return AgencyFactory.create(name="Second Line Collections")


@pytest.fixture
def agent(db: Any) -> User:
    return UserFactory.create(username="agent", roles=[Role.AGENT])


@pytest.fixture
def agency_agent(agency: Any) -> User:
    return UserFactory.create(username="agency_agent", agency=agency, roles=[Role.AGENT])


@pytest.fixture
def other_agency_agent(other_agency: Any) -> User:
    return UserFactory.create(username="other_agency_agent", agency=other_agency, roles=[Role.AGENT])


@pytest.fixture
def supervisor(db: Any) -> User:
    return UserFactory.create(username="supervisor", roles=[Role.SUPERVISOR])


@pytest.fixture
def compliance(db: Any) -> User:
    return UserFactory.create(username="compliance", roles=[Role.COMPLIANCE])


@pytest.fixture
def client_for() -> Any:
    def make(user: User | None) -> Client:
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make
