"""Request bodies read within a size cap and a deadline, for every route that reads one.

Whoever can reach a webhook can post to it before any signature is checked, so the body is
bounded while it is read, never after: a `Content-Length` above the cap is refused at once
(413, nothing read); a body sent in chunks is counted as it arrives and refused as soon as it
passes the cap; and the whole body must arrive within a deadline (408), so a body trickled a
byte at a time holds no worker. Each refusal closes the connection (`Connection: close`), so
the rest of a refused body is not even received.

The refusals are Starlette `HTTPException`s: the app answers them wherever the body is read
(`body()`, `form()`, `stream()`), and the route's code after the read never sees a refused one.
"""

from __future__ import annotations

import asyncio
from typing import Final

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Message, Receive

# Telegram, Twilio and Stripe send a webhook's body at once and give up on the whole call
# after 10-15 s; a body still arriving after this is not theirs.
READ_SECONDS: Final = 10.0

_CLOSE: Final = {"Connection": "close"}


class BodyRefused(HTTPException):
    """A body too large (413), too slow (408) or with a malformed length (400)."""

    def __init__(self, status_code: int) -> None:
        super().__init__(status_code, headers=_CLOSE)


def capped(request: Request, max_bytes: int, seconds: float = READ_SECONDS) -> Request:
    """`request`, its body to be read (`body()`, `form()`, `stream()`) within `max_bytes`
    and `seconds` from now. Raises `BodyRefused` at once when its Content-Length says more
    than `max_bytes`; reading raises it when the body grows past them or runs out of time."""
    length = request.headers.get("content-length")
    if length is not None:
        if not (length.isascii() and length.isdigit()):
            raise BodyRefused(400)
        if int(length) > max_bytes:
            raise BodyRefused(413)
    return Request(request.scope, _CappedReceive(request.receive, max_bytes, seconds))


async def read_body(request: Request, max_bytes: int, seconds: float = READ_SECONDS) -> bytes:
    """The whole body of `request`, read within `max_bytes` and `seconds` (`capped`)."""
    return await capped(request, max_bytes, seconds).body()


class _CappedReceive:
    """An ASGI `receive` that counts the body's bytes and keeps to a deadline."""

    def __init__(self, receive: Receive, max_bytes: int, seconds: float) -> None:
        self._receive = receive
        self._max_bytes = max_bytes
        self._deadline = asyncio.get_running_loop().time() + seconds
        self._read = 0

    async def __call__(self) -> Message:
        try:
            async with asyncio.timeout_at(self._deadline):
                message = await self._receive()
        except TimeoutError:
            raise BodyRefused(408) from None
        if message["type"] == "http.request":
            self._read += len(message.get("body", b""))
            if self._read > self._max_bytes:
                raise BodyRefused(413)
        return message
