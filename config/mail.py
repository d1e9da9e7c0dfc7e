"""The development email backend: one masked line per message in the log, never the message itself.

Django's console backend prints whole emails (names, balances, the customer's negotiation link and
opt-out link); this one logs who it went to (masked, as the SMS console backend does), the Message-ID
and the size, like ``notifications.channels.ConsoleSmsBackend``. The full text is on the Notice row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from notifications.masking import mask_address

logger = logging.getLogger("notifications.email")


class MaskedConsoleEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            recipients = ", ".join(mask_address(r) for r in message.recipients()) or "nobody"
            message_id = message.extra_headers.get("Message-ID", "")
            logger.info("Email to %s %s %d chars", recipients, message_id, len(str(message.body)))
            sent += 1
        return sent
