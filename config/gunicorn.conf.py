"""gunicorn settings: ``.venv/bin/gunicorn -c config/gunicorn.conf.py config.wsgi``.

Every value can be changed by the environment (or gunicorn's own ``GUNICORN_CMD_ARGS``):

* ``GUNICORN_BIND`` (default ``127.0.0.1:8000``: put a TLS-terminating proxy in front),
* ``WEB_CONCURRENCY`` workers (default ``2 × CPUs + 1``, at most 12), ``GUNICORN_THREADS`` (1),
* ``GUNICORN_TIMEOUT`` seconds before a silent worker is killed and replaced (30),
* ``GUNICORN_GRACEFUL_TIMEOUT`` seconds a worker gets to finish its requests on restart or stop (30),
* ``GUNICORN_MAX_REQUESTS`` requests after which a worker is replaced (1000, with jitter; 0 = never).

The access log goes to stdout, one JSON object per request, with the path but never the query string,
and with the tokens of customer and opt-out links redacted (``/n/<token>``); the request id is the one
the app returns in ``X-Request-ID``, so the access line joins the application's own log lines.

Request metrics from several worker processes are summed through ``PROMETHEUS_MULTIPROC_DIR`` (a fresh
directory per server start, under ``var/``), which ``/metrics`` reads.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger

_BASE_DIR = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("WEB_CONCURRENCY", min(12, multiprocessing.cpu_count() * 2 + 1))
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10
# Never hold a request that big in memory: the app takes forms and small JSON bodies.
limit_request_line = 8190
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# No remote address, no user agent, no query string (it may carry identifiers): the path, the status,
# the size, the time in microseconds and the request id.
access_log_format = (
    '{"time": "%(t)s", "logger": "gunicorn.access", "method": "%(m)s", "path": "%(U)s", '
    '"status": "%(s)s", "bytes": "%(B)s", "duration_us": "%(D)s", "request_id": "%({x-request-id}o)s"}'
)


class RedactingLogger(Logger):
    """gunicorn's logger, with signed link tokens redacted from the access line's path."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        from ops.logs import redact

        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key]).replace('"', "%22")
        atoms["q"] = ""
        return atoms


logger_class = RedactingLogger
# No runtime control socket: nothing here uses it, and two servers on one machine would share its path.
control_socket_disable = True

if os.environ.get("LOG_FORMAT", "").lower() == "json" or (
    not os.environ.get("LOG_FORMAT")
    and os.environ.get("DJANGO_DEBUG", "true").lower() in {"0", "false", "no", "off"}
):
    # gunicorn's own lines (start, worker boot and exit, errors) as JSON like the application's; the
    # access line is already JSON (the format above). Neither propagates to the application's root
    # handler, which would print them twice.
    logconfig_dict = {
        "root": {"level": "WARNING", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["errors"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
        "handlers": {
            "errors": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stdout"},
        },
        "formatters": {"json": {"()": "ops.logs.JsonFormatter"}, "line": {"format": "%(message)s"}},
    }

# Summed request metrics across workers (prometheus_client's multiprocess mode).
_metrics_dir = Path(
    os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    or Path(os.environ.get("APP_VAR_DIR", _BASE_DIR / "var")) / "prometheus" / str(os.getpid())
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)


def on_starting(server: Any) -> None:
    """A fresh metrics directory for this server (old files would add a dead server's counts)."""
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    _metrics_dir.mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    shutil.rmtree(_metrics_dir, ignore_errors=True)
