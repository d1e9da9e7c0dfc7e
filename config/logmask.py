"""A logging filter that masks personal data in every line: full phone numbers, email addresses,
national id numbers and the tokens of negotiation and opt-out links (``notifications.masking``)."""

from __future__ import annotations

import logging

from notifications.masking import mask_text


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the formatter's problem, not ours  # noqa: BLE001
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
