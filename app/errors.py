"""Domain errors: services raise them, views map them onto a field, a flash or a 4xx."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the action; `message` is shown to the user as is."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    status_code = 422
    code = "validation_failed"


class IllegalTransition(DomainError):
    status_code = 409
    code = "illegal_transition"


class StaleObject(DomainError):
    status_code = 409
    code = "version_conflict"


class NotAllowed(DomainError):
    status_code = 403
    code = "forbidden"
