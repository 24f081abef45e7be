"""What can go wrong talking to Daraja. No message ever holds a secret: they are built from
the HTTP status, Daraja's errorCode and errorMessage, and the path called."""

from __future__ import annotations


class DarajaError(Exception):
    """Any failure of a Daraja call or of a body Daraja sent."""


class DarajaUnavailable(DarajaError):
    """A timeout, a 5xx, a 429 or a lost connection: worth trying again later.
    `maybe_received` is True when Daraja may have acted on the request anyway (the answer
    was lost, not the request): a payment request must then be checked by a query before
    it is sent again."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        maybe_received: bool,
        status: int | None = None,
        error_code: str = "",
    ) -> None:
        super().__init__(message)
        self.maybe_received = maybe_received
        self.status = status
        self.error_code = error_code


class DarajaRefused(DarajaError):
    """Daraja refused the request (4xx): `error_code` and `error_message` are its own."""

    def __init__(self, status: int, error_code: str, error_message: str) -> None:
        super().__init__(f"Daraja refused the request ({status} {error_code}: {error_message})")
        self.status = status
        self.error_code = error_code
        self.error_message = error_message


class DarajaAuthFailed(DarajaError):
    """The consumer key and secret were refused, or a fresh token was refused too."""


class MalformedDarajaBody(DarajaError, ValueError):
    """A body (an answer or a callback) that is not what Daraja sends: not JSON, a field
    missing or of the wrong type. The message names the field, never the values."""
