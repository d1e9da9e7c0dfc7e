from __future__ import annotations

from django.apps import AppConfig


class CollectionsConfig(AppConfig):
    # The package cannot be called ``collections`` (the standard library's module is imported first),
    # so the label keeps tables, admin URLs and permissions reading ``collections``.
    name = "debt_collections"
    label = "collections"
    verbose_name = "Collections"
