"""How the verified page writes numbers, dates and times: the customer's zone, the page's language."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.formats import date_format

from debt_collections.models import NegotiationLink
from debt_collections.policies.localtime import customer_zone


def rate(value: Decimal) -> str:
    """An annual rate as stored (3 places), without a trailing zero: ``18.250`` → ``18.25``, ``9.125``."""
    text = f"{value:.3f}"
    return text[:-1] if text.endswith("0") else text


def money(value: Decimal) -> str:
    """``1234.5`` → ``"1,234.50"``: the same text in both languages (digits and separators are shared)."""
    return f"{value:,.2f}"


def zone_of(link: NegotiationLink) -> ZoneInfo:
    """The customer's time zone: dates and times on the page are the customer's local ones."""
    return customer_zone(link.case.customer)


def page_locale() -> str:
    """The page's language as the domain texts name it (``zh-hans`` or ``en``): the one the customer
    reads the page in, which they may have switched from their stored locale."""
    return "zh-hans" if (translation.get_language() or "").lower().startswith("zh") else "en"


def local_date(value: datetime, link: NegotiationLink) -> str:
    return date_format(timezone.localtime(value, zone_of(link)), "DATE_FORMAT")


def local_datetime(value: datetime, link: NegotiationLink) -> str:
    return date_format(timezone.localtime(value, zone_of(link)), "DATETIME_FORMAT")
