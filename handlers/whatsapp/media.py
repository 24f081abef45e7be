"""Downloading the photos of a WhatsApp message, and nothing else.

A `MediaUrlN` names a file on Twilio (``https://api.twilio.com/2010-04-01/Accounts/AC…/
Messages/MM…/Media/ME…``), which answers with a redirect to its CDN. The URL comes from a
signed request, yet it is still checked before anything is fetched, so a leaked token cannot
turn the server into a proxy (SSRF):

- the first request goes only to a Twilio media origin (api.twilio.com, or the configured
  `TWILIO_API_BASE_URL`), under this account's path, and only it carries the account's
  Basic auth;
- redirects are followed only to Twilio's CDN (an explicit allow-list of https hosts), with no
  credentials, at most `max_redirects` times;
- the body must be an image and at most `max_bytes` long (checked while streaming).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from handlers.whatsapp.twilio_http import TWILIO_API_BASE_URL

MAX_MEDIA_BYTES = 16 * 1024 * 1024  # WhatsApp's own limit for media is 16 MB
# Where Twilio's media redirects lead. Exact names; add one here if Twilio adds a CDN host.
TWILIO_CDN_HOSTS = frozenset({"media.twiliocdn.com", "mms.twiliocdn.com"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Explicit limits on each phase of a download: a Twilio or CDN that stops answering costs a
# photo at most these (then it is left out and logged), never an open-ended wait.
DOWNLOAD_TIMEOUT = httpx.Timeout(10.0, connect=5.0, pool=5.0)


class MediaRefused(Exception):
    """A media file was not fetched: where it pointed, or what came back, was not allowed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def origin(url: str) -> str:
    """`https://api.twilio.com:443/x` → `https://api.twilio.com` (scheme, host, explicit port)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    default = {"https": 443, "http": 80}.get(parts.scheme)
    port = "" if parts.port in (None, default) else f":{parts.port}"
    return f"{parts.scheme}://{host}{port}"


@dataclass(frozen=True)
class MediaPolicy:
    account_sid: str
    source_origins: frozenset[str]
    cdn_hosts: frozenset[str] = TWILIO_CDN_HOSTS
    # Extra exact origins a redirect may lead to: only tests set it (a fake CDN on localhost).
    extra_cdn_origins: frozenset[str] = field(default_factory=frozenset)
    max_bytes: int = MAX_MEDIA_BYTES
    max_redirects: int = 3

    @classmethod
    def for_account(cls, account_sid: str, api_base_url: str = TWILIO_API_BASE_URL) -> MediaPolicy:
        return cls(
            account_sid=account_sid,
            source_origins=frozenset({origin(TWILIO_API_BASE_URL), origin(api_base_url)}),
        )

    def check_source(self, url: str) -> None:
        parts = urlsplit(url)
        if origin(url) not in self.source_origins or parts.username or parts.password:
            raise MediaRefused(f"media URL outside Twilio: {origin(url)}")
        if not parts.path.startswith(f"/2010-04-01/Accounts/{self.account_sid}/"):
            raise MediaRefused("media URL of another account")

    def check_redirect(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.username or parts.password:
            raise MediaRefused("redirect with credentials")
        if origin(url) in self.extra_cdn_origins:
            return
        if parts.scheme != "https" or (parts.hostname or "").lower() not in self.cdn_hosts:
            raise MediaRefused(f"redirect outside Twilio's CDN: {origin(url)}")


class MediaFetcher:
    """Fetches one media file under a `MediaPolicy`; raises `MediaRefused` or `httpx.HTTPError`."""

    def __init__(
        self, policy: MediaPolicy, auth_token: str, http: httpx.Client | None = None
    ) -> None:
        self._policy = policy
        self._auth = httpx.BasicAuth(policy.account_sid, auth_token)
        self._http = http or httpx.Client(timeout=DOWNLOAD_TIMEOUT)

    def fetch(self, url: str) -> tuple[bytes, str]:
        """The file's bytes and content type."""
        self._policy.check_source(url)
        auth: httpx.BasicAuth | None = self._auth
        for _ in range(self._policy.max_redirects + 1):
            with self._http.stream("GET", url, auth=auth, follow_redirects=False) as response:
                if response.status_code in _REDIRECTS:
                    url = urljoin(url, response.headers.get("location", ""))
                    self._policy.check_redirect(url)
                    auth = None  # credentials go to Twilio's API only, never to the CDN
                    continue
                response.raise_for_status()
                return self._read(response), _content_type(response)
        raise MediaRefused("too many redirects")

    def delete(self, url: str) -> None:
        """Delete the file on Twilio (its REST resource: the URL plus `.json`), where it would
        otherwise stay, metadata and all; one already gone counts as deleted."""
        self._policy.check_source(url)
        response = self._http.delete(f"{url}.json", auth=self._auth)
        if response.status_code != 404:
            response.raise_for_status()

    def _read(self, response: httpx.Response) -> bytes:
        limit = self._policy.max_bytes
        if not _content_type(response).startswith("image/"):
            raise MediaRefused(f"not an image: {_content_type(response) or 'no type'}")
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise MediaRefused("media too large")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise MediaRefused("media too large")
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self._http.close()


def _content_type(response: httpx.Response) -> str:
    value: str = response.headers.get("content-type", "")
    return value.split(";")[0].strip().lower()
