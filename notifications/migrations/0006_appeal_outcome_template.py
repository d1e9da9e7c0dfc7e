"""Ship ``credit_limit.appeal_outcome`` (SMS and email, zh-hans and en) as approved version 1.

The decision on an appeal against a credit-limit change used to be told with ``dispute.outcome``; it now
has its own text. Like ``0002``: a text is installed only when no version of it exists yet (on a new
database ``0002`` already installed it from the library), author and approver are empty because a
migration has no user, and the decision note says who approved it. Reversing leaves the rows: notices may
already point at them.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

KEY = "credit_limit.appeal_outcome"


def install(apps: Any, schema_editor: Any) -> None:
    from notifications.template_library import LIBRARY

    template_model = apps.get_model("notifications", "NoticeTemplate")
    for text in LIBRARY:
        if text.key != KEY:
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
            decision_note="Shipped with the credit-limit appeal outcome text; approved in the release "
            "compliance review.",
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_notice_context")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
