"""Operations endpoints: ``/healthz`` (the process answers), ``/readyz`` (it can serve: database reachable,
migrations applied, broker reachable when one is configured) and ``/metrics`` (Prometheus).

All three are plain Django views with no session, no login, no template and no CSRF (GET only), kept in
this module so that middleware with per-view policy (throttling, CSP reports) can exempt them by name:
``OPS_VIEWS`` lists them. They answer in plain text or JSON and never show an error's details (the
probes are unauthenticated); details go to the log.

``/metrics`` is not public by default: with ``METRICS_TOKEN`` set, a scrape must send
``Authorization: Bearer <token>``; without it, only a request from the loopback interface that did not
come through a proxy (no ``X-Forwarded-For``) is answered, anything else gets 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# Once the migrations are found applied, this process never asks again: the migration graph is read from
# disk (tens of milliseconds), and a deploy that adds migrations starts new processes.
_migrations_applied = False


def _database_ok() -> bool:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.warning("readyz: the database is not reachable", exc_info=True)
        return False
    return True


def _migrations_ok() -> bool:
    global _migrations_applied
    if _migrations_applied:
        return True
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        logger.warning("readyz: could not read the migration state", exc_info=True)
        return False
    if plan:
        logger.warning("readyz: %d migrations are not applied", len(plan))
        return False
    _migrations_applied = True
    return True


def _broker_ok() -> bool | None:
    """None when no broker is configured (tasks run in-process), else whether Redis answers a PING."""
    url = settings.REDIS_URL
    if not url:
        return None
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.exceptions.RedisError:
        logger.warning("readyz: the broker is not reachable", exc_info=True)
        return False
    finally:
        client.close()


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 while the process answers at all: touches nothing else (a liveness probe)."""
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """200 when this process can serve, else 503; the body names each check, ``ok``/``failed``/``skipped``."""
    database = _database_ok()
    migrations = database and _migrations_ok()
    broker = _broker_ok()
    checks = {
        "database": "ok" if database else "failed",
        "migrations": "ok" if migrations else ("failed" if database else "skipped"),
        "broker": "skipped" if broker is None else ("ok" if broker else "failed"),
    }
    ready = database and migrations and broker is not False
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


def _from_loopback(request: HttpRequest) -> bool:
    if request.META.get("HTTP_X_FORWARDED_FOR") or request.META.get("HTTP_FORWARDED"):
        return False  # came through a proxy on this host: the original client is elsewhere
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def metrics_allowed(request: HttpRequest) -> bool | None:
    """True to answer; False for a wrong or missing token (401); None to hide the path (404)."""
    token = settings.METRICS_TOKEN
    if token:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, given = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    return True if _from_loopback(request) else None


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format: request metrics (django-prometheus; summed over gunicorn's workers when
    ``PROMETHEUS_MULTIPROC_DIR`` is set, as ``config/gunicorn.conf.py`` does) and the domain families
    of ``ops.metrics``, read from the database at this scrape."""
    allowed = metrics_allowed(request)
    if allowed is None:
        return HttpResponse("Not Found\n", status=404, content_type="text/plain")
    if not allowed:
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    import prometheus_client
    from prometheus_client import multiprocess

    from ops.metrics import DomainCollector

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process_registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(process_registry)
    else:
        process_registry = prometheus_client.REGISTRY
    domain_registry = prometheus_client.CollectorRegistry(auto_describe=False)
    domain_registry.register(DomainCollector())
    body = prometheus_client.generate_latest(process_registry) + prometheus_client.generate_latest(
        domain_registry
    )
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)


# Views that per-view middleware (throttling, CSP, login requirements) should leave alone.
OPS_VIEWS = (healthz, readyz, metrics)
OPS_PATHS = ("/healthz", "/readyz", "/metrics")
