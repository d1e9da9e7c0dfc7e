"""What the bench's scripts share: the rows of the printed table and the processes' environment.

Kept apart from ``run.py`` so that ``load.py`` (run alone or by ``run.py``) imports it without importing
``run.py``, which imports ``load.py``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ROWS: list[tuple[str, str, str, str]] = []  # (measure, measured, target, floor / ratio)


def row(measure: str, measured: str, target: str = "", floor: str = "") -> None:
    ROWS.append((measure, measured, target, floor))
    print(
        f"  {measure}: {measured}"
        + (f"  (target {target})" if target else "")
        + (f"  [{floor}]" if floor else "")
    )


def production_env() -> None:
    """The environment of the bench's processes (this one, gunicorn, the workers): DEBUG off, production
    settings on loopback over plain HTTP, a throwaway audit key, one trusted proxy in front."""
    os.environ["DJANGO_DEBUG"] = "false"
    # Loopback over plain HTTP (as .ci/smoke-production): no redirect to HTTPS, cookies without Secure.
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "false"
    os.environ["DJANGO_SECURE_COOKIES"] = "false"
    os.environ.setdefault("STATIC_ROOT", tempfile.mkdtemp(prefix="bench-static-"))  # collected for gunicorn
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ.setdefault("NOTICE_SMS_BACKEND", "notifications.channels.FileSmsBackend")
    # DEBUG off never generates the audit signing key by itself (production must bring its own): the
    # bench makes a throwaway one, which gunicorn's workers and the Celery workers read through the env.
    if not os.environ.get("AUDIT_SIGNING_KEY"):
        key_dir = Path(tempfile.mkdtemp(prefix="bench-key-"))
        os.environ.setdefault("AUDIT_SIGNING_KEY_FILE", str(key_dir / "audit-signing-key.pem"))
    # The cycle's sends are enqueued (to Redis, or to the in-memory broker without it), never run inside
    # the measured cycle: production sends them from the workers.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    if os.environ.get("REDIS_URL"):
        # Waiting on the group needs a result backend, in this process and in the workers it starts.
        os.environ["CELERY_RESULT_BACKEND"] = os.environ["REDIS_URL"]
    # As behind the production TLS proxy: the client address is the proxy's X-Forwarded-For, so each
    # simulated customer of bench/load.py counts against the per-address page limits as itself.
    os.environ["TRUSTED_PROXY_COUNT"] = "1"
