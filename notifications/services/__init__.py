"""Writes for templates and the outbox (one module per step).

Templates (``templates``): ``draft → approved → retired`` with maker-checker. Notices: a row first
(``queue.notice_queue_many``; ``notice_queue`` is the same path with one item), handed to a worker after
commit (``dispatch``), sent with the gate checked again at send time (``send.notice_send_many``), and
picked up again by the relay (``relay``) if the broker or the worker was gone.
"""

from __future__ import annotations

from notifications.services.queue import (
    SERVICE_ONLY_KEYS,
    LinkMaker,
    NoticeRequest,
    idempotency_key,
    notice_block_pending_to,
    notice_queue,
    notice_queue_many,
)
from notifications.services.relay import (
    Reconciled,
    notice_reconcile_stale,
    notice_relay_due,
    notice_resolve_unknown,
)
from notifications.services.send import notice_send, notice_send_many
from notifications.services.templates import (
    template_approve,
    template_create_draft,
    template_reject,
    templates_install_library,
)

__all__ = [
    "SERVICE_ONLY_KEYS",
    "LinkMaker",
    "NoticeRequest",
    "Reconciled",
    "idempotency_key",
    "notice_block_pending_to",
    "notice_queue",
    "notice_queue_many",
    "notice_reconcile_stale",
    "notice_relay_due",
    "notice_resolve_unknown",
    "notice_send",
    "notice_send_many",
    "template_approve",
    "template_create_draft",
    "template_reject",
    "templates_install_library",
]
