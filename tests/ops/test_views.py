"""/healthz, /readyz and /metrics (config/ops.py): unauthenticated, cheap, and /metrics not public."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.test import Client

from config import ops

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_the_database(
    client: Client, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Cache-Control"].startswith("max-age=0")


def test_readyz_is_ok_with_the_database_and_migrations_and_no_broker(client: Client, settings: Any) -> None:
    settings.REDIS_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "broker": "skipped"},
    }


def test_readyz_is_503_when_the_database_is_unreachable(client: Client, settings: Any) -> None:
    settings.REDIS_URL = ""
    with mock.patch.object(ops, "_database_ok", return_value=False):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "failed", "migrations": "skipped", "broker": "skipped"}


def test_readyz_is_503_while_migrations_are_pending(client: Client, settings: Any) -> None:
    settings.REDIS_URL = ""
    pending = mock.Mock(return_value=[("a migration", False)])
    with (
        mock.patch.object(ops, "_migrations_applied", False),
        mock.patch("django.db.migrations.executor.MigrationExecutor.migration_plan", pending),
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "failed"


def test_readyz_remembers_applied_migrations_so_later_probes_stay_cheap(
    client: Client, settings: Any
) -> None:
    settings.REDIS_URL = ""
    with mock.patch.object(ops, "_migrations_applied", False):
        client.get("/readyz")
        with mock.patch("django.db.migrations.executor.MigrationExecutor.__init__") as executor:
            assert client.get("/readyz").status_code == 200
        executor.assert_not_called()


def test_readyz_is_503_when_the_configured_broker_does_not_answer(client: Client, settings: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "failed"
    assert "Connection" not in response.content.decode()  # no error details on a public probe


def test_probes_answer_head_requests_from_load_balancers(client: Client) -> None:
    assert client.head("/healthz").status_code == 200


def test_metrics_answer_loopback_scrapes_without_a_token(client: Client, settings: Any) -> None:
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'collections_notices{status="unknown"} 0.0' in text
    assert "django_http_requests_total_by_method" in text


@pytest.mark.parametrize(
    "meta",
    [{"REMOTE_ADDR": "10.1.2.3"}, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}],
    ids=["another host", "through a proxy on this host"],
)
def test_metrics_are_hidden_from_other_hosts_without_a_token(
    client: Client, settings: Any, meta: dict[str, Any]
) -> None:
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", **meta).status_code == 404


def test_metrics_with_a_token_need_that_bearer_token_from_anywhere(client: Client, settings: Any) -> None:
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    missing = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    wrong = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer nope")
    right = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")
    assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert missing["WWW-Authenticate"].startswith("Bearer")


def test_ops_views_are_listed_for_middleware_that_exempts_them() -> None:
    assert {v.__name__ for v in ops.OPS_VIEWS} == {"healthz", "readyz", "metrics"}
