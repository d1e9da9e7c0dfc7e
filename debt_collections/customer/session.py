"""The customer's state in the session, kept per link: verified or not, the chosen language, one message.

Keyed by the link's id, so a second link (another case, another person on a shared phone) starts
unverified. Verification lapses after ``IDLE_SECONDS`` without a request; nothing else is stored, and
never an identity answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

from debt_collections.models import NegotiationLink

IDLE_SECONDS = 30 * 60
# Activity is written to the session at most this often: a page view within a minute of the last one
# writes nothing (the session was one UPDATE per view), so the idle limit may end up to a minute early.
TOUCH_EVERY_SECONDS = 60
LANGUAGES = ("zh-hans", "en")


def _key(link: NegotiationLink) -> str:
    return f"negotiation:{link.id}"


@dataclass
class LinkSession:
    """A view of one link's entry in the session. Call ``save`` after changing it."""

    session: SessionBase
    link: NegotiationLink
    data: dict[str, Any]

    @classmethod
    def load(cls, session: SessionBase, link: NegotiationLink) -> LinkSession:
        return cls(session=session, link=link, data=dict(session.get(_key(link), {})))

    def save(self) -> None:
        self.session[_key(self.link)] = self.data

    # --- language ---------------------------------------------------------------------------

    @property
    def language(self) -> str:
        """The language chosen on the page, else the customer's own."""
        chosen = self.data.get("lang")
        if chosen in LANGUAGES:
            return str(chosen)
        locale = self.link.case.customer.locale
        return locale if locale in LANGUAGES else "zh-hans"

    def choose_language(self, lang: str) -> None:
        if lang in LANGUAGES:
            self.data["lang"] = lang
            self.save()

    # --- verification -----------------------------------------------------------------------

    def is_verified(self, now: datetime) -> bool:
        """Verified on this link and active within the idle limit. Does not extend the idle time."""
        verified = self.data.get("verified_at")
        seen = self.data.get("seen")
        if verified is None or seen is None or self.link.last_verified_at is None:
            return False
        return 0 <= now.timestamp() - float(seen) <= IDLE_SECONDS

    def lapsed(self, now: datetime) -> bool:
        """Was verified, but the idle limit has passed."""
        return self.data.get("verified_at") is not None and not self.is_verified(now)

    def touch(self, now: datetime) -> None:
        """Record activity: the idle limit counts from now (from up to ``TOUCH_EVERY_SECONDS`` ago)."""
        seen = self.data.get("seen")
        if seen is not None and 0 <= now.timestamp() - float(seen) < TOUCH_EVERY_SECONDS:
            return
        self.data["seen"] = now.timestamp()
        self.save()

    def mark_verified(self, now: datetime) -> None:
        # A new session key on verification, so a key planted before it (session fixation) is useless.
        self.session.cycle_key()
        self.data["verified_at"] = now.timestamp()
        self.data["seen"] = now.timestamp()
        self.save()

    def forget_verification(self) -> None:
        self.data.pop("verified_at", None)
        self.data.pop("seen", None)
        self.data.pop("flash", None)  # may describe the account: never carried over to the unverified page
        self.save()

    # --- one message for the next page ------------------------------------------------------

    def flash(self, level: str, text: str) -> None:
        """Keep one message (``ok``, ``error``, or ``info``) for the next page, already translated.

        Only ``info`` messages are shown before verification, and only neutral ones are ever ``info``.
        """
        self.data["flash"] = {"level": level, "text": str(text)}
        self.save()

    def pop_flash(self, *, levels: tuple[str, ...] = ("ok", "error", "info")) -> dict[str, str] | None:
        flash = self.data.get("flash")
        if not isinstance(flash, dict) or flash.get("level") not in levels:
            return None
        self.data.pop("flash")
        self.save()
        return {"level": str(flash["level"]), "text": str(flash.get("text", ""))}
