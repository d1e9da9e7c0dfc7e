"""The relay: notices a worker should (re)try now because their enqueue or their worker was lost."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from notifications.models import Notice

logger = logging.getLogger(__name__)


def notice_relay_due(*, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Ids of notices a worker should (re)try now: pending ones past their ``not_before`` that waited
    longer than the relay delay (their enqueue was lost), and claims whose worker died."""
    now = now or timezone.now()
    stale_pending = (
        Q(status=Notice.Status.PENDING)
        & (Q(not_before__isnull=True) | Q(not_before__lte=now))
        & (
            Q(not_before__isnull=False)
            | Q(queued_at__lte=now - timedelta(seconds=settings.NOTICE_RELAY_AFTER_SECONDS))
        )
    )
    lost_claim = Q(
        status=Notice.Status.SENDING,
        claimed_at__lt=now - timedelta(seconds=settings.NOTICE_CLAIM_TIMEOUT_SECONDS),
    )
    return list(
        Notice.objects.filter(stale_pending | lost_claim).order_by("pk").values_list("pk", flat=True)[:limit]
    )
