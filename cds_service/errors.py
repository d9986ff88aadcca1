"""Errors that end a request with a given HTTP status and a JSON body."""

from __future__ import annotations


class ApiError(Exception):
    """A client-facing error: `status` and a precise, safe `message` (never patient data, never a token)."""

    status = 400
    error = "bad-request"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def body(self) -> dict:
        return {"error": self.error, "message": self.message}


class BadRequest(ApiError):
    status = 400
    error = "bad-request"


class Unauthorized(ApiError):
    """401. The reason goes to the log only; the body says nothing more than 'unauthorized'."""

    status = 401
    error = "unauthorized"

    def body(self) -> dict:
        return {"error": self.error}


class NotFound(ApiError):
    status = 404
    error = "not-found"


class PreconditionFailed(ApiError):
    """412: the data the decision needs could not be obtained (prefetch or FHIR server)."""

    status = 412
    error = "precondition-failed"


class Conflict(ApiError):
    """409: the request contradicts what is stored (feedback for a card another service issued)."""

    status = 409
    error = "conflict"


class PayloadTooLarge(ApiError):
    """413 for a limit other than the body size (e.g. too many feedback items in one batch)."""

    status = 413
    error = "payload-too-large"
