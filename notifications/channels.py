"""Channel backends: how a rendered notice leaves the building.

Email goes through Django's email backend. SMS and letters go through the small interface below, so
the real provider (outside our walls) can be swapped in by settings; the console and in-memory SMS
backends and the file letter backend need no service. Every backend takes the notice's idempotency key
and must not deliver the same key twice: a retry after a crash between "sent" and "recorded" is then
harmless.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The provider refused or failed; the notice is marked failed with this message."""


class LookupUnavailable(Exception):
    """The provider cannot say whether it received a key (no such API, or it did not answer)."""


class ChannelBackend(Protocol):
    def send(self, *, to: str, subject: str, body: str, idempotency_key: str, opt_out_url: str) -> str:
        """Deliver once per ``idempotency_key``; return the provider's reference. Raise DeliveryError."""
        ...

    def lookup(self, *, idempotency_key: str) -> str | None:
        """The provider's reference for a message it received with this key, ``None`` if it received none.
        Raise ``LookupUnavailable`` when the provider cannot tell."""
        ...


def _ref(prefix: str, key: str) -> str:
    return f"{prefix}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


class ConsoleSmsBackend:
    """Writes SMS to the log: the embedded default for `make run`."""

    def send(self, *, to: str, subject: str, body: str, idempotency_key: str, opt_out_url: str) -> str:
        # One line, masked: the full text is on the Notice row (admin, compliance timeline), and a demo
        # cycle sends hundreds of these.
        masked = f"{to[:4]}****{to[-4:]}" if len(to) > 8 else "****"
        logger.info("SMS to %s [%s] %d chars", masked, idempotency_key, len(body))
        return _ref("console", idempotency_key)

    def lookup(self, *, idempotency_key: str) -> str | None:
        raise LookupUnavailable("the console keeps no record of what it printed")


@dataclass(frozen=True)
class SentMessage:
    to: str
    subject: str
    body: str
    idempotency_key: str
    reference: str


class InMemorySmsBackend:
    """Test double of an SMS provider: keeps messages, dedups by key like a real provider's client ref."""

    outbox: ClassVar[list[SentMessage]] = []
    fail_with: ClassVar[str | None] = None
    _lock: ClassVar[threading.Lock] = threading.Lock()
    # Reference by key, so a worker process that has taken thousands of messages (the bench) still answers
    # each call at once; ``outbox`` stays the list tests read (both change only here and in ``reset``).
    _by_key: ClassVar[dict[str, str]] = {}

    @classmethod
    def reset(cls) -> None:
        with cls._lock:
            cls.outbox.clear()
            cls._by_key.clear()
            cls.fail_with = None

    def send(self, *, to: str, subject: str, body: str, idempotency_key: str, opt_out_url: str) -> str:
        with self._lock:
            if self.fail_with:
                raise DeliveryError(self.fail_with)
            known = self._by_key.get(idempotency_key)
            if known is not None:
                return known
            ref = _ref("mem", idempotency_key)
            self.outbox.append(SentMessage(to, subject, body, idempotency_key, ref))
            self._by_key[idempotency_key] = ref
            return ref

    def lookup(self, *, idempotency_key: str) -> str | None:
        with self._lock:
            return self._by_key.get(idempotency_key)


class FileSmsBackend:
    """SMS written to files in ``NOTICE_SMS_DIR``: lets a separate worker process be observed by tests.

    Every call appends a line to ``calls.log`` (so a duplicate send would show), and the message itself
    is written once per idempotency key, like a provider that dedups by client reference.
    """

    def send(self, *, to: str, subject: str, body: str, idempotency_key: str, opt_out_url: str) -> str:
        ref = _ref("file", idempotency_key)
        directory = Path(settings.NOTICE_SMS_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        with (directory / "calls.log").open("a", encoding="utf-8") as log:
            log.write(f"{idempotency_key}\t{to}\n")
        path = directory / f"{ref}.txt"
        if not path.exists():
            path.write_text(f"{to}\n{body}\n", encoding="utf-8")
        return ref

    def lookup(self, *, idempotency_key: str) -> str | None:
        """The provider's record: the message file for the key (``calls.log`` only counts calls)."""
        ref = _ref("file", idempotency_key)
        return ref if (Path(settings.NOTICE_SMS_DIR) / f"{ref}.txt").exists() else None


class DjangoEmailBackend:
    """Email through ``settings.EMAIL_BACKEND`` with a List-Unsubscribe header (one-click, RFC 8058)."""

    def send(self, *, to: str, subject: str, body: str, idempotency_key: str, opt_out_url: str) -> str:
        ref = _ref("email", idempotency_key)
        headers = {"Message-ID": f"<{ref}@collections.local>", "X-Idempotency-Key": idempotency_key}
        if opt_out_url:
            headers["List-Unsubscribe"] = f"<{opt_out_url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message = EmailMessage(
            subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to], headers=headers
        )
        try:
            message.send(fail_silently=False)
        except Exception as exc:  # any transport error: recorded on the notice, the relay may retry
            raise DeliveryError(f"email transport: {exc}") from exc
        return ref

    def lookup(self, *, idempotency_key: str) -> str | None:
        # SMTP hands the message on and forgets it; the Message-ID lets a person search the mail logs.
        raise LookupUnavailable("an SMTP relay cannot be asked what it delivered")


class FileLetterBackend:
    """A letter is a rendered file per notice in ``NOTICE_LETTER_DIR`` (for the print-and-post vendor)."""

    def send(self, *, to: str, subject: str, body: str, idempotency_key: str, opt_out_url: str) -> str:
        ref = _ref("letter", idempotency_key)
        directory = Path(settings.NOTICE_LETTER_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{ref}.txt"
        if not path.exists():  # same key, same file: never a second letter
            path.write_text(f"{to}\n\n{subject}\n\n{body}\n", encoding="utf-8")
        return ref

    def lookup(self, *, idempotency_key: str) -> str | None:
        ref = _ref("letter", idempotency_key)
        return ref if (Path(settings.NOTICE_LETTER_DIR) / f"{ref}.txt").exists() else None


def backend_for(channel: str) -> ChannelBackend:
    try:
        dotted = settings.NOTICE_BACKENDS[channel]
    except KeyError as exc:
        raise DeliveryError(f"no backend configured for channel {channel!r}") from exc
    backend: ChannelBackend = import_string(dotted)()
    return backend
