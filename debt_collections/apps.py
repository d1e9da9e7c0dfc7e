from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CollectionsConfig(AppConfig):
    # The package cannot be called ``collections`` (the standard library's module is imported first),
    # so the label keeps tables, admin URLs and permissions reading ``collections``.
    name = "debt_collections"
    label = "collections"
    verbose_name = "Collections"

    def ready(self) -> None:
        from debt_collections.kernel.lookups import register

        register()  # ``field__any=[...]`` for the bulk steps' long id lists
        post_migrate.connect(_grant_runtime_role, sender=self)


def _grant_runtime_role(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After ``migrate`` (run as the owner): give the runtime role its grants, new tables included."""
    from django.conf import settings
    from django.db import connections

    from debt_collections.kernel.db_roles import apply_runtime_grants

    connection = connections[using]
    if settings.DATABASE_RUNTIME_ROLE and connection.vendor == "postgresql":
        apply_runtime_grants(connection, settings.DATABASE_RUNTIME_ROLE)
