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
    """Bad input; `fields` maps each bad field to its message (the API returns them all)."""

    status_code = 422
    code = "validation_failed"

    def __init__(self, message, field: str | None = None, fields: dict | None = None):
        super().__init__(message, field)
        self.fields = dict(fields or ({field: message} if field else {}))


class FieldErrors:
    """Collects every bad field of one input, then raises them together."""

    def __init__(self) -> None:
        self.errors: dict[str, object] = {}

    def add(self, field: str, message) -> None:
        self.errors.setdefault(field, message)

    def __contains__(self, field: str) -> bool:
        return field in self.errors

    def raise_if_any(self) -> None:
        if self.errors:
            first_field, first_message = next(iter(self.errors.items()))
            raise ValidationFailed(first_message, field=first_field, fields=self.errors)


class IllegalTransition(DomainError):
    status_code = 409
    code = "illegal_transition"


class StaleObject(DomainError):
    status_code = 409
    code = "version_conflict"


class NotAllowed(DomainError):
    status_code = 403
    code = "forbidden"


class WrongState(DomainError):
    """Allowed for this user, but not while the record is in its present state."""

    status_code = 409
    code = "wrong_state"
