"""``{% load case_time %}``: an instant on the customer's wall clock beside UTC, for timelines (issue 14).

``{{ event.at|customer_local:customer }}`` → ``2026-03-02 12:00:05 Asia/Shanghai``; the UTC time stays
in its own column (or text) next to it, so nobody has to convert in their head.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template

from debt_collections.policies.localtime import customer_zone

register = template.Library()


@register.filter
def customer_local(instant: datetime | None, customer: Any) -> str:
    if instant is None or customer is None:
        return ""
    zone = customer_zone(customer)
    return f"{instant.astimezone(zone):%Y-%m-%d %H:%M:%S} {zone.key}"
