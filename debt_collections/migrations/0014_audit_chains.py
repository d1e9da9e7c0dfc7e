"""Several audit chains (issue 13 goal 5): events carry their chain, seqs run per chain, one head row per
chain (its ``id`` is the chain's number).

Existing data stays valid: every existing event is on chain 0 (the column's default; chain 0's canonical
text has no "chain" key, so their hashes are unchanged) and the single head row (``id`` 1) becomes chain 0's.
Adding the column needs no row UPDATE on PostgreSQL (a constant default); SQLite remakes the table, which
drops its triggers with the old table, so they are installed again at the end.
"""

from django.conf import settings
from typing import Any

from django.db import migrations, models


def head_becomes_chain_zero(apps: Any, schema_editor: Any) -> None:
    head = apps.get_model("collections", "AuditChainHead")
    if not head.objects.filter(pk=0).exists():
        head.objects.filter(pk=1).update(id=0)
    head.objects.get_or_create(pk=0)


def chain_zero_back_to_single_head(apps: Any, schema_editor: Any) -> None:
    head = apps.get_model("collections", "AuditChainHead")
    head.objects.exclude(pk=0).delete()
    head.objects.filter(pk=0).update(id=1)


def install(apps: Any, schema_editor: Any) -> None:
    from debt_collections.kernel.db_triggers import install_audit_triggers

    install_audit_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('collections', '0013_staff_sort_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='auditevent',
            options={'ordering': ['chain', 'seq']},
        ),
        migrations.RemoveConstraint(
            model_name='auditchainhead',
            name='audit_chain_head_singleton',
        ),
        migrations.AddField(
            model_name='auditevent',
            name='chain',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name='auditchainhead',
            name='id',
            field=models.PositiveSmallIntegerField(default=0, primary_key=True, serialize=False),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='seq',
            field=models.BigIntegerField(),
        ),
        migrations.AddConstraint(
            model_name='auditevent',
            constraint=models.UniqueConstraint(fields=('chain', 'seq'), name='audit_event_chain_seq'),
        ),
        migrations.RunPython(head_becomes_chain_zero, chain_zero_back_to_single_head),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
