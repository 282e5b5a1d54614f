"""Errors raised by service functions.

Every service error carries a stable machine code (for the API) and a translated
message for people. Views show the message; the API returns both.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A request that cannot be carried out as asked; nothing was written."""

    code = "invalid"
    status = 400

    def __init__(self, message, *, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code

    def __str__(self) -> str:
        return str(self.message)


class NotAllowed(ServiceError):
    """The acting user's role does not allow this action."""

    code = "not_allowed"
    status = 403


class NotFound(ServiceError):
    """The object does not exist or lies outside the acting user's scope."""

    code = "not_found"
    status = 404


class Conflict(ServiceError):
    """Someone else changed the object first (e.g. dispatched the same order)."""

    code = "conflict"
    status = 409
