"""Structured logs (ops.logs): request ids in and out, JSON lines with ids and no tokens, Celery hooks."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from ops import logs
from tests.factories import SYSTEM, UserFactory


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The project's JSON handler (context filter included) on a test logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("tests.ops")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_json_line_has_time_level_logger_message_and_the_bound_ids(captured: io.StringIO) -> None:
    with logs.log_context(request_id="req-12345678", link_id="3c8642df"):
        logging.getLogger("tests.ops").info("queued %d notices", 3)
    [entry] = lines(captured)
    assert entry["level"] == "INFO" and entry["logger"] == "tests.ops"
    assert entry["message"] == "queued 3 notices"
    assert entry["request_id"] == "req-12345678" and entry["link_id"] == "3c8642df"
    assert entry["time"].endswith("+00:00")
    assert "user_id" not in entry  # unbound ids are left out, not written as "-"


def test_link_tokens_are_redacted_from_every_message(captured: io.StringIO) -> None:
    logging.getLogger("tests.ops").warning(
        "Not Found: /n/3c8642df-aaaa:1xUvq6:ffILyf/verify/ and /o/abc:def/"
    )
    [entry] = lines(captured)
    assert entry["message"] == "Not Found: /n/<token>/verify/ and /o/<token>/"


def test_a_traceback_is_one_field_of_the_same_line(captured: io.StringIO) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("tests.ops").exception("failed")
    [entry] = lines(captured)
    assert "ValueError: boom" in entry["exc"]


@pytest.mark.django_db
def test_a_request_gets_an_id_in_its_response_sane_ones_from_the_caller(
    client: Client, captured: io.StringIO
) -> None:
    response = client.get("/healthz")
    generated = response["X-Request-ID"]
    assert len(generated) == 16
    sane = client.get("/healthz", HTTP_X_REQUEST_ID="lb-trace-0001")
    insane = client.get("/healthz", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert sane["X-Request-ID"] == "lb-trace-0001"
    assert insane["X-Request-ID"] != "<script>alert(1)</script>"
    assert logs.current() == {}  # the ids end with the response


@pytest.mark.django_db
def test_django_request_warnings_carry_the_request_id(client: Client, captured: io.StringIO) -> None:
    logging.getLogger("django.request").addHandler(captured_handler := logging.StreamHandler(captured))
    captured_handler.addFilter(logs.ContextFilter())
    captured_handler.setFormatter(logs.JsonFormatter())
    try:
        response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-not-found-1")
    finally:
        logging.getLogger("django.request").removeHandler(captured_handler)
    assert response.status_code == 404
    [entry] = [e for e in lines(captured) if e["logger"] == "django.request"]
    assert entry["request_id"] == "req-not-found-1"


@pytest.mark.django_db
def test_a_logged_in_staff_users_id_is_bound_never_their_name() -> None:
    user = UserFactory.create(username="agent-with-a-name")
    middleware = logs.RequestIdMiddleware(lambda request: None)  # type: ignore[arg-type, return-value]
    request = SimpleNamespace(user=user, COOKIES={"sessionid": "x"})
    with logs.log_context(request_id="req-staff-0001"):
        middleware.process_view(request, None, (), {})  # type: ignore[arg-type]
        bound = logs.current()
    assert bound == {"request_id": "req-staff-0001", "user_id": str(user.pk)}


def test_per_message_info_lines_become_debug_lines() -> None:
    quiet, verbose = logs.DemoteToDebug("INFO"), logs.DemoteToDebug("DEBUG")
    record = logging.LogRecord("notifications.channels", logging.INFO, __file__, 1, "SMS to +86…", None, None)
    assert quiet.filter(record) is False and record.levelname == "DEBUG"
    assert verbose.filter(logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)) is True
    warning = logging.LogRecord("x", logging.WARNING, __file__, 1, "m", None, None)
    assert quiet.filter(warning) is True and warning.levelname == "WARNING"


def test_development_keeps_per_message_lines_quiet_and_production_writes_json() -> None:
    dev = logs.logging_config(fmt="text", level="INFO", quiet_per_message=True)
    prod = logs.logging_config(fmt="json", level="INFO", quiet_per_message=False)
    assert dev["handlers"]["console"]["formatter"] == "text"
    assert set(dev["loggers"]) == {"django", "notifications.channels", "celery.app.trace", "kombu.connection"}
    assert prod["handlers"]["console"]["formatter"] == "json" and set(prod["loggers"]) == {"django"}


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "text"),
        ({"DJANGO_DEBUG": "false"}, "json"),
        ({"DJANGO_DEBUG": "false", "LOG_FORMAT": "text"}, "text"),
    ],
)
def test_the_log_format_follows_debug_unless_set(environ: dict[str, str], expected: str) -> None:
    assert logs.log_format_from_env(environ) == expected


def test_a_task_queued_from_a_request_logs_that_requests_id() -> None:
    headers: dict[str, Any] = {}
    with logs.log_context(request_id="req-api-0001"):
        logs.celery_before_publish(headers=headers)
    assert headers == {"request_id": "req-api-0001"}
    # In the worker: the header arrives as an attribute of the task's request.
    task = SimpleNamespace(
        name="notifications.send_notice", request=SimpleNamespace(request_id="req-api-0001")
    )
    logs.celery_task_prerun(task_id="t-1", task=task)
    assert logs.current() == {
        "request_id": "req-api-0001",
        "task_id": "t-1",
        "task": "notifications.send_notice",
    }
    logs.celery_task_postrun(task_id="t-1")
    assert logs.current() == {}


def test_a_task_nothing_queued_uses_its_own_id_and_passes_it_on() -> None:
    task = SimpleNamespace(name="debt_collections.run_collection_cycle", request=SimpleNamespace())
    logs.celery_task_prerun(task_id="beat-task-1", task=task)
    headers: dict[str, Any] = {}
    logs.celery_before_publish(headers=headers)  # a chunk fanned out by the beat task
    logs.celery_task_postrun(task_id="beat-task-1")
    assert headers == {"request_id": "beat-task-1"}


@pytest.mark.django_db
def test_the_customer_page_binds_the_opaque_link_id_never_the_token(
    client: Client, time_machine: Any
) -> None:
    from unittest import mock

    from debt_collections.services import link_create, link_token
    from tests.debt_collections.negotiation_support import NOW, case_with_phone

    time_machine.move_to(NOW, tick=False)
    case, phone = case_with_phone()
    link, _url = link_create(case_id=case.pk, actor=SYSTEM, contact_point_id=phone.pk, now=NOW)
    with mock.patch.object(logs, "bind", wraps=logs.bind) as bind:
        response = client.get(f"/n/{link_token(link)}/")
    assert response.status_code == 200
    bind.assert_any_call(link_id=link.pk)
