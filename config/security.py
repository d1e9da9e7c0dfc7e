"""Brute-force limits and the client address they count by.

* ``client_ip``: ``REMOTE_ADDR``, unless ``TRUSTED_PROXY_COUNT`` says how many proxies of ours stand in
  front; then the address the outermost of them saw (``X-Forwarded-For`` counted from the right). A
  client's own ``X-Forwarded-For`` entries are never believed, so spoofing the header changes nothing.
* ``rate_hit``: one fixed-window counter in the shared cache (Redis when ``REDIS_URL`` is set, the
  database cache otherwise), so every gunicorn worker and every host counts together.
* ``too_many``: the answer to a throttled or locked-out client: a 429 with ``Retry-After``, JSON under
  ``/api/``, a plain bilingual page elsewhere.
* ``axes_lockout``: django-axes' lockout answer (admin login and the token endpoint), the same 429.
* ``CustomerThrottleMiddleware``: the public customer pages (``/n/``, ``/o/``): page views per client
  address, identity checks per link and per address (the five-failure link lock stays in the service).
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string


def client_ip(request: Any) -> str:
    """The address to count a request by (see the module docstring). Never raises."""
    meta = getattr(request, "META", {})
    remote = str(meta.get("REMOTE_ADDR") or "unknown")
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    hops = [h.strip() for h in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
    if len(hops) < count:
        return remote
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _bucket(scope: str, key: str, window: int, now: float) -> str:
    digest = hashlib.sha256(f"{scope}\0{key}".encode()).hexdigest()[:32]
    return f"rl:{scope}:{digest}:{int(now // window)}"


def rate_hit(scope: str, key: str, *, limit: int, window: int, now: float | None = None) -> int | None:
    """Count one hit of ``key`` in ``scope``; ``None`` while within ``limit`` per ``window`` seconds,
    else the seconds until the window ends (for ``Retry-After``). Keys are hashed: no address or token
    is stored in the cache in clear."""
    now = time.time() if now is None else now
    name = _bucket(scope, key, window, now)
    if cache.add(name, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.add(name, 1, timeout=window + 1)
            count = 1
    if count <= limit:
        return None
    return max(1, window - int(now) % window)


def too_many(request: HttpRequest, retry_after: int, *, what: str = "requests") -> HttpResponse:
    """429 with ``Retry-After``: JSON for the API, a plain page for people."""
    retry_after = max(1, int(retry_after))
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {
                "detail": f"Too many {what}; try again in {retry_after} seconds.",
                "code": "throttled",
                "retry_after": retry_after,
            },
            status=429,
        )
    else:
        minutes = max(1, (retry_after + 59) // 60)
        html = render_to_string(
            "throttled.html",
            {
                "minutes": minutes,
                "contact_phone": settings.CONTACT_PHONE,
                "lender_name": settings.LENDER_NAME,
            },
            request=request,
        )
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def axes_lockout(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' answer once a username or an address is locked out: the same 429 as every limit."""
    cool_off = settings.AXES_COOLOFF_TIME
    seconds = int(cool_off.total_seconds()) if cool_off is not None else 3600
    return too_many(request, seconds, what="failed logins")


class CustomerThrottleMiddleware:
    """Rate limits for the public customer pages, counted in the shared cache by ``client_ip``.

    Every request under ``/n/`` or ``/o/`` counts as a page view of its address; a POST to an identity
    check (``/n/<token>/verify/``) also counts against its link and its address. Limits are settings
    (``CUSTOMER_PAGE_RATE``, ``CUSTOMER_VERIFY_RATE_PER_LINK``, ``CUSTOMER_VERIFY_RATE_PER_IP``), each
    ``(limit, window seconds)``.
    """

    PREFIXES = ("/n/", "/o/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path.startswith(self.PREFIXES):
            ip = client_ip(request)
            limit, window = settings.CUSTOMER_PAGE_RATE
            wait = rate_hit("customer-page", ip, limit=limit, window=window)
            if (
                wait is None
                and request.method == "POST"
                and path.startswith("/n/")
                and path.endswith("/verify/")
            ):
                token = path[len("/n/") : -len("/verify/")]
                limit, window = settings.CUSTOMER_VERIFY_RATE_PER_LINK
                wait = rate_hit("customer-verify-link", token, limit=limit, window=window)
                if wait is None:
                    limit, window = settings.CUSTOMER_VERIFY_RATE_PER_IP
                    wait = rate_hit("customer-verify-ip", ip, limit=limit, window=window)
            if wait is not None:
                return too_many(request, wait, what="attempts")
        return self.get_response(request)


def clear_rate_counters() -> None:
    """Forget every counter (tests call this between tests). On Redis only this project's keys go: the
    database may be shared with the Celery broker, so no FLUSHDB."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("RedisCache"):
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()
