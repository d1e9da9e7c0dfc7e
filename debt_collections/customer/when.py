"""Times on the customer's page and in its messages: in the customer's zone, named, formatted per locale.

"11:08 p.m.." told a customer neither which day's evening nor whose clock; this says
"4 March 2026, 23:08 GMT" or "2026年3月4日 23:08（CST）".
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from django.utils import timezone, translation
from django.utils.formats import date_format


def local_when(value: datetime, zone: tzinfo, language: str | None = None) -> str:
    """``value`` on the customer's wall clock, with the zone's abbreviation, in the active language."""
    local = timezone.localtime(value, zone)
    lang = language or translation.get_language() or "en"
    name = local.strftime("%Z") or str(zone)
    if lang.startswith("zh"):
        return f"{date_format(local, 'Y年n月j日 H:i')}（{name}）"
    return f"{date_format(local, 'j F Y, H:i')} {name}"


def local_day(value: datetime, zone: tzinfo) -> str:
    return date_format(timezone.localtime(value, zone), "DATE_FORMAT")
