from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notices"

    def ready(self) -> None:
        # Register the Celery tasks in every process (web, worker, tests): the services hand notices to
        # them by name (``services.dispatch``) and never import the tasks module, which is an entry point.
        from notifications import tasks  # noqa: F401
