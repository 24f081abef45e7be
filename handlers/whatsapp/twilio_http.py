"""The twilio REST client, pointed at `TWILIO_API_BASE_URL` when that is not Twilio's own.

twilio-python takes a custom `HttpClient` (`Client(..., http_client=...)`); ours is its own
`TwilioHttpClient` with one change: a request for any ``*.twilio.com`` host (the Messages API on
api.twilio.com, the Content API on content.twilio.com) goes to the configured base instead,
path and query kept. That is how a proxy or the tests' fake Twilio receives every call.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

TWILIO_API_BASE_URL = "https://api.twilio.com"
REQUEST_TIMEOUT_SECONDS = 15.0


def is_twilio_host(host: str) -> bool:
    host = host.lower()
    return host == "twilio.com" or host.endswith(".twilio.com")


class BaseUrlHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio is untyped
    """Sends requests meant for Twilio's hosts to `base_url` (scheme, host, port, path prefix)."""

    def __init__(self, base_url: str, timeout: float = REQUEST_TIMEOUT_SECONDS) -> None:
        super().__init__(timeout=timeout)
        self._base = urlsplit(base_url.rstrip("/"))

    def rewrite(self, url: str) -> str:
        parts = urlsplit(url)
        if not is_twilio_host(parts.hostname or ""):
            return url
        path = self._base.path + parts.path
        return urlunsplit((self._base.scheme, self._base.netloc, path, parts.query, ""))

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        return super().request(
            method,
            self.rewrite(url),
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )


def make_client(account_sid: str, auth_token: str, api_base_url: str) -> Client:
    """A twilio `Client` for the account, talking to `api_base_url` (Twilio's by default)."""
    if api_base_url.rstrip("/") == TWILIO_API_BASE_URL:
        http_client: TwilioHttpClient = TwilioHttpClient(timeout=REQUEST_TIMEOUT_SECONDS)
    else:
        http_client = BaseUrlHttpClient(api_base_url)
    return Client(account_sid, auth_token, http_client=http_client)
