"""Hand work to Celery by task name, so services never import the tasks that call them back.

Celery tasks are entry points (they call services); a service that imported its task module would
close an import circle. Tasks are registered by name when the Celery app loads (``autodiscover_tasks``),
so a service asks the app for the task by name instead. ``apply_async`` honours ``task_always_eager``:
in the embedded default and in tests the task runs in-process, on a real broker it is published.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def task_enqueue(name: str, *args: Any, what: str | None = None) -> bool:
    """Publish task ``name`` with ``args``; return ``False`` (and log) when the broker is unreachable.

    ``what`` names the work in the log line (``"notice 12"``); the task name is used without it.
    Never raises for a broker outage: every caller keeps a row (an outbox notice, a verification run)
    that a relay or a person picks up later, so losing the publish loses nothing.
    """
    from config.celery import app

    if name not in app.tasks:
        # Outside a worker, ``autodiscover_tasks`` runs only when the loader imports the default
        # modules; do that once, the first time a task is asked for.
        app.loader.import_default_modules()
    task = app.tasks[name]  # an unknown name is a programming error: let it raise
    try:
        task.apply_async(args=args)
    except Exception:  # broker down or unreachable: the caller's row is the source of truth
        logger.warning(
            "could not enqueue %s; it stays recorded for a retry", what or f"task {name}", exc_info=True
        )
        return False
    return True
