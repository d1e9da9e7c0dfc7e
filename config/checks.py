"""System checks that refuse a misconfigured deployment before it serves a request."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.compatibility, deploy=False)
def check_time_zone_is_utc(app_configs: Any, **kwargs: Any) -> list[Error]:
    # Stored times are UTC and local days come from each customer's zone; a server-local TIME_ZONE
    # would silently shift the contact-hours rules for every customer elsewhere.
    if settings.TIME_ZONE != "UTC" or not settings.USE_TZ:
        return [
            Error(
                "TIME_ZONE must be 'UTC' and USE_TZ True.",
                hint="Customer-local times are computed from each customer's time zone.",
                id="config.E001",
            )
        ]
    return []


@register(Tags.security, deploy=False)
def check_secret_key_is_not_dev(app_configs: Any, **kwargs: Any) -> list[Error]:
    if not settings.DEBUG and settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        return [
            Error(
                "DJANGO_SECRET_KEY is the public development key while DEBUG is off.",
                hint="Set DJANGO_SECRET_KEY to a long random value in production.",
                id="config.E002",
            )
        ]
    return []
