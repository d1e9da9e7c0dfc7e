"""Tamper evidence (issue 16): per-event MACs, the payload stored as the canonical text its hash covers,
``prev_hash`` no longer unique (a forged row must not block appends), and the record of checkpoint seals.

Existing events keep their hashes (the canonical text is what was hashed before); their payload is rewritten
to that text and given its MAC, which needs the audit key when there are events (``audit_keys``). Altering
the table drops SQLite's triggers with the old table, so the triggers are installed again at the end.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import migrations, models

import debt_collections.models.audit_seals


def canonicalise_and_mac(apps: Any, schema_editor: Any) -> None:
    from debt_collections.kernel.db_triggers import drop_audit_triggers, install_audit_triggers
    from debt_collections.models.audit_seals import canonical_json

    connection = schema_editor.connection
    drop_audit_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, payload, hash FROM collections_auditevent ORDER BY id")
        rows = cursor.fetchall()
    if rows:
        from debt_collections.kernel.audit_keys import audit_keys

        keys = audit_keys()
        updates = [
            (canonical_json(json.loads(payload)) if payload is not None else "{}", keys.mac(digest), pk)
            for pk, payload, digest in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany("UPDATE collections_auditevent SET payload = %s, mac = %s WHERE id = %s", updates)
    install_audit_triggers(connection)


class Migration(migrations.Migration):

    dependencies = [
        ('collections', '0010_work_queue'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditSeal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_index=True)),
                ('reason', models.CharField(choices=[('cadence', 'every N events'), ('timer', 'every M minutes'), ('cycle', 'end of the daily cycle'), ('export', 'evidence export'), ('manual', 'by hand')], max_length=16)),
                ('ok', models.BooleanField()),
                ('seq', models.BigIntegerField(blank=True, null=True)),
                ('hash', models.CharField(blank=True, max_length=64)),
                ('name', models.CharField(blank=True, help_text="the checkpoint's name in the store", max_length=64)),
                ('error', models.TextField(blank=True)),
            ],
            options={
                'ordering': ['-at', '-pk'],
            },
        ),
        migrations.AddField(
            model_name='auditevent',
            name='mac',
            field=models.CharField(default='', max_length=64),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='payload',
            field=debt_collections.models.audit_seals.CanonicalJSONField(default=dict),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(db_index=True, max_length=64),
        ),
        migrations.RunPython(canonicalise_and_mac, migrations.RunPython.noop),
    ]
