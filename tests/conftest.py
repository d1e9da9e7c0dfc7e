"""Shared fixtures: the people every scoping test checks (agent, other-agency agent, supervisor,
compliance officer, anonymous) and the audit-trigger handling for transactional tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from accounts.models import Role, User
from debt_collections.kernel.db_triggers import drop_audit_triggers
from debt_collections.models import AuditChainHead
from notifications.services import templates_install_library
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
            drop_audit_triggers(connection)
            # A flush at the end of an earlier transactional test also removed the rows migrations put
            # there: the audit chain head and the shipped notice templates. Put them back.
            AuditChainHead.objects.get_or_create(pk=1)
            templates_install_library()
    yield


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
