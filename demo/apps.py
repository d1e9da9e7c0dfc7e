from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo-data generator: builds months of history through the real services (``seed_demo``)."""

    name = "demo"
    label = "demo"
    default_auto_field = "django.db.models.BigAutoField"
