"""Ship ``promise.confirmation`` and ``payment.receipt`` (SMS and email, zh-hans and en) as approved
version 1 (issue 14). Like ``0006``: a text is installed only when no version of it exists yet, author and
approver are empty because a migration has no user, and the decision note says who approved it.
Reversing leaves the rows: notices may already point at them.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

KEYS = {"promise.confirmation", "payment.receipt"}


def install(apps: Any, schema_editor: Any) -> None:
    from notifications.template_library import LIBRARY

    template_model = apps.get_model("notifications", "NoticeTemplate")
    for text in LIBRARY:
        if text.key not in KEYS:
            continue
        if template_model.objects.filter(key=text.key, channel=text.channel, locale=text.locale).exists():
            continue
        template_model.objects.create(
            key=text.key,
            channel=text.channel,
            locale=text.locale,
            version=1,
            subject=text.subject,
            body=text.body,
            limited_content=text.limited_content,
            is_service=text.is_service,
            status="approved",
            decision_note="Shipped with promises to pay and customer payments (issue 14); approved in the "
            "release compliance review.",
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0007_notice_claimed_at_index")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
