"""``{{ value|local_when:customer_tz }}``: a time in the customer's zone, named (customer/when.py)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from django import template

from debt_collections.customer.when import local_when as _format

register = template.Library()


@register.filter
def local_when(value: datetime | None, zone: tzinfo | None) -> str:
    if value is None or zone is None:
        return ""
    return _format(value, zone)
