"""What staff and logs see of a notice: the words, never a working link or a full address.

A notice body carries the customer's own negotiation link (``/n/<token>/``) and a one-click opt-out
(``/o/<token>/``). Whoever holds either can act as the customer (pass the identity check with what the
case file shows, opt them out), so every staff-facing view (API, admin, compliance workspace) and every
log line shows a masked link id instead: enough to tell two links apart, useless to open. A link is
re-sent to the customer, never copied by staff.
"""

from __future__ import annotations

import re

# Tokens are URL-safe signatures (``signing.dumps`` / ``TimestampSigner``): letters, digits, ``-_:.``.
_LINK = re.compile(r"/(?P<kind>[no])/(?P<token>[A-Za-z0-9_\-:.]{8,})/?")
_EMAIL = re.compile(r"(?P<first>[A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]*@(?P<domain>[A-Za-z0-9.\-]+)")
# E.164 numbers, mainland mobile numbers and 18-character resident id numbers; not dates or plain ids.
_PHONE = re.compile(r"\+\d{8,15}\b|\b1[3-9]\d{9}\b")
_NATIONAL_ID = re.compile(r"\b\d{17}[\dXx]\b")


def masked_link_id(token: str) -> str:
    """A short, stable id for a link token: its first 4 characters (part of the link's own id, not the
    signature), enough to match it with the link row an agent sees."""
    return f"…{token[:4]}"


def mask_links(text: str) -> str:
    """``text`` with every ``/n/<token>/`` and ``/o/<token>/`` replaced by a masked link id."""

    def repl(match: re.Match[str]) -> str:
        token = match.group("token")
        if match.group("kind") == "n":
            return f"/n/[link {masked_link_id(token)}]/"
        # An opt-out token starts with the same encoded prefix every time: its tail tells two apart.
        return f"/o/[opt-out …{token[-4:]}]/"

    return _LINK.sub(repl, text or "")


def mask_phone(value: str) -> str:
    digits = value.strip()
    return f"{digits[:4]}****{digits[-4:]}" if len(digits) > 8 else "****"


def mask_email(value: str) -> str:
    local, _sep, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_address(value: str) -> str:
    """A phone number or email address as the admin shows it (``+861****5678``, ``a***@example.com``)."""
    return mask_email(value) if "@" in value else mask_phone(value)


def mask_text(text: str) -> str:
    """Links, email addresses, phone numbers and national id numbers in free text masked: for log lines."""
    text = mask_links(text)
    text = _EMAIL.sub(lambda m: f"{m.group('first')}***@{m.group('domain')}", text)
    text = _NATIONAL_ID.sub("[national id]", text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)
