"""Domain errors raised by services. Entry points map them: the API to JSON 4xx, the admin to a
message, the customer page to plain words in the customer's language."""

from __future__ import annotations

from datetime import datetime


class DomainError(Exception):
    """Base class. ``code`` is a stable machine-readable id; ``http_status`` is the API's mapping."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, object]:
        return {"detail": self.message, "code": self.code}


class TransitionNotAllowed(DomainError):
    """The case's current state does not allow this transition (or a guard refused it)."""

    code = "transition_not_allowed"
    http_status = 409


class StaleState(DomainError):
    """The caller acted on a state that another user changed meanwhile (lost the race)."""

    code = "stale_state"
    http_status = 409


class NotPermitted(DomainError):
    """The actor's role does not allow this operation."""

    code = "not_permitted"
    http_status = 403


class InvalidInput(DomainError):
    code = "invalid"
    http_status = 422


class NotFound(InvalidInput):
    """An id from outside that is unknown or outside the caller's scope (the two are not told apart).

    The API answers 404, the admin a form error; nothing was stored and nothing of the row is echoed."""

    code = "not_found"
    http_status = 404


class ComplianceBlocked(DomainError):
    """The compliance gate refused a contact or notice."""

    code = "compliance_blocked"
    http_status = 422

    def __init__(
        self,
        message: str,
        *,
        rule_ids: tuple[str, ...] | list[str],
        next_allowed_at: datetime | None,
        reasons: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.rule_ids = tuple(rule_ids)
        self.next_allowed_at = next_allowed_at
        # rule id -> one plain sentence, so the admin and API clients can say why without a lookup.
        self.reasons = dict(reasons or {})

    def as_dict(self) -> dict[str, object]:
        return {
            "detail": self.message,
            "code": self.code,
            "blocked_by": list(self.rule_ids),
            "next_allowed_at": self.next_allowed_at.isoformat() if self.next_allowed_at else None,
            "reasons": self.reasons,
        }
