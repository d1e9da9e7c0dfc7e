"""Provider doubles that only the integration tests' worker processes load (by dotted path in their env)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import ClassVar

from django.conf import settings

from notifications.channels import FileSmsBackend


class StallingFileSmsBackend(FileSmsBackend):
    """``FileSmsBackend`` that delivers ``NOTICE_SMS_STALL_AFTER`` messages in this process, then writes a
    ``stalled`` file and hangs in the next call: the test kills the worker there, mid-batch, with some
    messages at the provider and none of the batch recorded."""

    delivered: ClassVar[int] = 0

    def send(self, *, to: str, subject: str, body: str, idempotency_key: str, opt_out_url: str) -> str:
        if StallingFileSmsBackend.delivered >= int(os.environ["NOTICE_SMS_STALL_AFTER"]):
            (Path(settings.NOTICE_SMS_DIR) / "stalled").write_text(idempotency_key, encoding="utf-8")
            time.sleep(3600)  # killed long before this returns
        reference = super().send(
            to=to, subject=subject, body=body, idempotency_key=idempotency_key, opt_out_url=opt_out_url
        )
        StallingFileSmsBackend.delivered += 1
        return reference
