"""Ship the standardized notices as approved version 1 (the release's compliance review approved them).

Author and approver are empty because no user exists yet at migration time; the decision note says who
approved. Later changes go through drafts approved in the compliance workspace.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from notifications.template_library import LIBRARY

    template_model = apps.get_model("notifications", "NoticeTemplate")
    for text in LIBRARY:
        if template_model.objects.filter(key=text.key, channel=text.channel, locale=text.locale).exists():
            continue
        template_model.objects.create(
            key=text.key, channel=text.channel, locale=text.locale, version=1, subject=text.subject,
            body=text.body, limited_content=text.limited_content, is_service=text.is_service,
            status="approved", decision_note="Shipped with release 0.1; approved in the release compliance review.",
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
