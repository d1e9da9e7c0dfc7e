from __future__ import annotations

from django.apps import AppConfig


class ConfigAppConfig(AppConfig):
    """Holds project-wide system checks (UTC storage, no development key in production)."""

    name = "config"
    label = "config"

    def ready(self) -> None:
        from config import checks  # noqa: F401  (registers the checks)
