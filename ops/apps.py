from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    label = "ops"
    verbose_name = "Operations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from ops.logs import clear_request_context

        request_finished.connect(clear_request_context, dispatch_uid="ops.logs.clear_request_context")
