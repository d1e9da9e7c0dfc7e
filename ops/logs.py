"""Structured logs: one JSON object per line in production, plain text in development.

Every line of a request carries its ``request_id`` (the caller's ``X-Request-ID`` when it is a sane
token, else a new one; echoed in the response), the staff ``user_id`` once known, and the customer
page's ``link_id`` (the opaque link UUID, never the token). Celery tasks carry the ``request_id`` of
whatever queued them (the header ``request_id`` set at publish), or their own task id when nothing did
(a beat task), so a cycle's chunks share the id of the run that fanned them out; the
``run_collection_cycle`` command binds a ``cycle-<date>-<hex>`` id the same way.

What never goes into a line: names, numbers, addresses, amounts, tokens. The context holds ids only, and
paths of the signed customer and opt-out links are redacted in every message (``/n/<token>/``).

Imported by ``config.settings`` (``logging_config``): nothing here reads settings at import time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

_context: ContextVar[dict[str, str]] = ContextVar("log_context", default={})  # noqa: B039 - never mutated
_request: ContextVar[HttpRequest | None] = ContextVar("log_request", default=None)

CONTEXT_FIELDS = ("request_id", "user_id", "link_id", "task_id", "task")
REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
# Signed link tokens in paths: /n/<token>/ (customer page), /o/<token>/ (one-click opt-out).
_TOKEN_PATH = re.compile(r"/(n|o)/[^/\s?]+")


def redact(text: str) -> str:
    """``text`` with the tokens of customer and opt-out links replaced by ``<token>``."""
    return _TOKEN_PATH.sub(r"/\1/<token>", text)


def current() -> dict[str, str]:
    """The fields bound in this context (a copy)."""
    return dict(_context.get())


def bind(**fields: object) -> None:
    """Add ids to every later log line of this request or task (``None`` values are ignored)."""
    merged = {**_context.get(), **{k: str(v) for k, v in fields.items() if v is not None}}
    _context.set(merged)


@contextlib.contextmanager
def log_context(**fields: object) -> Iterator[dict[str, str]]:
    """``bind`` for the ``with`` block only; the previous fields come back afterwards."""
    token = _context.set({**_context.get(), **{k: str(v) for k, v in fields.items() if v is not None}})
    try:
        yield _context.get()
    finally:
        _context.reset(token)


def new_id(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex[:16]}"


def _late_user_id() -> str | None:
    """The user a view authenticated itself (DRF token auth sets ``request.user`` inside the view).

    Django's own lazy user is never evaluated from here (that would query inside a log call): the
    middleware binds it in ``process_view``."""
    request = _request.get()
    if request is None:
        return None
    user = request.__dict__.get("user")
    if user is None or isinstance(user, SimpleLazyObject) or not getattr(user, "is_authenticated", False):
        return None
    return str(user.pk)


class ContextFilter(logging.Filter):
    """Copies the bound ids onto the record (``record.request_id`` …, ``-`` when unbound) and redacts
    link tokens in the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get()
        for name in CONTEXT_FIELDS:
            setattr(record, name, context.get(name, "-"))
        if record.user_id == "-":  # type: ignore[attr-defined]
            record.user_id = _late_user_id() or "-"
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class DemoteToDebug(logging.Filter):
    """Per-message INFO lines (each SMS, each task's "succeeded") become DEBUG, shown at ``LOG_LEVEL=DEBUG``.

    A logger's filter runs after its level check, so the record is re-levelled here and dropped unless
    the configured level lets DEBUG through. Warnings and errors pass unchanged."""

    def __init__(self, level: str = "INFO") -> None:
        super().__init__()
        self.show_debug = logging.getLevelName(level) <= logging.DEBUG

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return self.show_debug
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, the bound
    ids that are set, and ``exc`` (the traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, "-")
            if value not in ("-", None, ""):
                entry[name] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

# Loggers whose INFO lines are one per message or task (see ``DemoteToDebug``).
PER_MESSAGE_LOGGERS = ("notifications.channels", "celery.app.trace")


def log_format_from_env(environ: dict[str, str] | None = None) -> str:
    """``json`` or ``text``: ``LOG_FORMAT`` if set, else JSON exactly when ``DJANGO_DEBUG`` is off. Used by
    the settings and by the Celery app (which decides before the settings load)."""
    import os

    env = os.environ if environ is None else environ
    explicit = env.get("LOG_FORMAT", "").strip().lower()
    if explicit in ("json", "text"):
        return explicit
    debug = env.get("DJANGO_DEBUG", "true").strip().lower() in {"1", "true", "yes", "on"}
    return "text" if debug else "json"


def logging_config(*, fmt: str, level: str, quiet_per_message: bool) -> dict[str, Any]:
    """The ``LOGGING`` dict for ``fmt`` ``json`` or ``text`` at ``level``."""
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "ops.logs.ContextFilter"},
            "per_message": {"()": "ops.logs.DemoteToDebug", "level": level},
        },
        "formatters": {
            "json": {"()": "ops.logs.JsonFormatter"},
            "text": {"format": TEXT_FORMAT},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if fmt == "json" else "text",
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # Without Django's own default handler on "django" (it prints in development besides the root's):
        # one line per record, through the root's handler (where pytest's caplog listens too).
        "loggers": {"django": {"handlers": [], "level": level, "propagate": True}},
    }
    if quiet_per_message:
        for name in PER_MESSAGE_LOGGERS:
            config["loggers"][name] = {"filters": ["per_message"]}
        # The in-process broker (memory://) has no host name, and kombu warns so on every group it sends.
        config["loggers"]["kombu.connection"] = {"level": "ERROR"}
    return config


class RequestIdMiddleware:
    """Binds ``request_id`` (and, once known, ``user_id``) for the request's log lines; sets the
    ``X-Request-ID`` response header. The customer page binds ``link_id`` itself once it resolved the link."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get(REQUEST_ID_HEADER, "")
        request_id = given if _SANE_ID.match(given) else new_id()
        # Not reset on the way out: Django logs 4xx/5xx responses ("Not Found: …") after every middleware
        # returned. ``clear_request_context`` (on ``request_finished``) clears it; the next request's
        # first step sets a fresh one anyway.
        _context.set({"request_id": request_id})
        _request.set(request)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        # A session user costs a query the view would make anyway; no session cookie, no query.
        user = getattr(request, "user", None)
        if user is not None and request.COOKIES and getattr(user, "is_authenticated", False):
            bind(user_id=user.pk)
        return None


def clear_request_context(**_: Any) -> None:
    """``request_finished`` receiver: the request's ids end with its response."""
    _context.set({})
    _request.set(None)


# --- Celery -----------------------------------------------------------------------------------------
def celery_before_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """A task queued from a request or a task carries that ``request_id`` in its message headers."""
    request_id = _context.get().get("request_id")
    if headers is not None and request_id and "request_id" not in headers:
        headers["request_id"] = request_id


_task_tokens: dict[str, Any] = {}


def celery_task_prerun(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    inherited = getattr(getattr(task, "request", None), "request_id", None)
    request_id = inherited or _context.get().get("request_id") or task_id
    fields = {**_context.get(), "request_id": str(request_id), "task_id": str(task_id)}
    if task is not None:
        fields["task"] = str(task.name)
    _task_tokens[str(task_id)] = _context.set(fields)


def celery_task_postrun(task_id: str | None = None, **_: Any) -> None:
    token = _task_tokens.pop(str(task_id), None)
    if token is not None:
        with contextlib.suppress(ValueError):  # set in another context (should not happen): keep going
            _context.reset(token)


def connect_celery(app: Any, *, configure_logging: bool) -> None:
    """Wire the request id through Celery; with ``configure_logging`` the worker keeps Django's
    ``LOGGING`` (JSON in production) instead of installing its own handlers."""
    from celery import signals

    signals.before_task_publish.connect(celery_before_publish, weak=False)
    signals.task_prerun.connect(celery_task_prerun, weak=False)
    signals.task_postrun.connect(celery_task_postrun, weak=False)
    if configure_logging:

        def _keep_django_logging(**_: Any) -> None:
            import logging.config

            from django.conf import settings

            logging.config.dictConfig(settings.LOGGING)

        signals.setup_logging.connect(_keep_django_logging, weak=False)
