# The phone column is unchanged (same type, same text): only the Python field class changes, so this is a
# state-only migration (SQLite would otherwise copy the whole table to "alter" it).

from django.db import migrations

import accounts.models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_limit_change_review"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="contactpoint",
                    name="phone",
                    field=accounts.models.StoredPhoneNumberField(blank=True, max_length=128, region=None),
                ),
            ],
            database_operations=[],
        ),
    ]
