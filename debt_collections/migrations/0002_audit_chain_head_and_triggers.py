from __future__ import annotations

from typing import Any

from django.db import migrations


def create_head(apps: Any, schema_editor: Any) -> None:
    head = apps.get_model("collections", "AuditChainHead")
    head.objects.get_or_create(pk=1)


def install(apps: Any, schema_editor: Any) -> None:
    from debt_collections.kernel.db_triggers import install_audit_triggers

    install_audit_triggers(schema_editor.connection)


def uninstall(apps: Any, schema_editor: Any) -> None:
    from debt_collections.kernel.db_triggers import drop_audit_triggers

    drop_audit_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("collections", "0001_initial")]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(install, uninstall),
    ]
