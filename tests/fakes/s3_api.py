"""A fake S3 that can hang, fail and time out: a small proxy in front of moto's S3 server.

moto's `ThreadedMotoServer` is a faithful S3 on 127.0.0.1; `FaultyS3` sits in front of it and,
as its `mode` says, passes each request through, answers 503 SlowDown (what S3 says when
overloaded), or holds it without answering: until `release()` (then it goes through, late),
or until the client gives up (a timeout). Tests switch the mode while the shop runs.

    with faulty_s3() as s3:             # s3.endpoint for boto3; s3.mode = Mode.HANG …
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum

import httpx
from moto.server import ThreadedMotoServer
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.serving import serve_app

SLOW_DOWN = (
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
    "<Message>Please reduce your request rate.</Message></Error>"
)
# Hop-by-hop headers, and the ones httpx sets again for the upstream request.
_NOT_FORWARDED = frozenset({"host", "content-length", "connection", "transfer-encoding"})


class Mode(StrEnum):
    PASS = "pass"
    FAIL = "fail"  # 503 SlowDown, every request
    HANG = "hang"  # no answer until released (or the client times out)


class FaultyS3:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.endpoint = ""  # set once served
        self._mode = Mode.PASS
        self.calls: list[tuple[str, str, Mode]] = []  # method, path, the mode it met
        self.holding = threading.Event()  # set while a request is held
        self._released = threading.Event()

    @property
    def mode(self) -> Mode:
        return self._mode

    @mode.setter
    def mode(self, mode: Mode) -> None:
        if mode is Mode.HANG:
            self._released.clear()
            self.holding.clear()
        self._mode = mode

    def release(self) -> None:
        """Let held requests (and every later one) through; the mode becomes PASS."""
        self._mode = Mode.PASS
        self._released.set()

    def app(self) -> Route:
        return Route("/{path:path}", self._proxy, methods=["GET", "PUT", "HEAD", "POST", "DELETE"])

    async def _proxy(self, request: Request) -> Response:
        mode = self.mode
        self.calls.append((request.method, request.url.path, mode))
        body = await request.body()  # read in every mode: the client waits to send it
        if mode is Mode.FAIL:
            return Response(SLOW_DOWN, status_code=503, media_type="application/xml")
        if mode is Mode.HANG:
            self.holding.set()
            while not self._released.is_set():
                await asyncio.sleep(0.02)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED}
        url = (
            self.upstream
            + request.url.path
            + (f"?{request.url.query}" if request.url.query else "")
        )
        async with httpx.AsyncClient() as client:
            answer = await client.request(request.method, url, content=body, headers=headers)
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in _NOT_FORWARDED}
        return Response(answer.content, status_code=answer.status_code, headers=kept)


@contextmanager
def faulty_s3() -> Iterator[FaultyS3]:
    """moto's S3 server behind a `FaultyS3`, both on 127.0.0.1 for the block."""
    from starlette.applications import Starlette

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    fake = FaultyS3(f"http://{host}:{port}")
    try:
        with serve_app(Starlette(routes=[fake.app()])) as endpoint:
            fake.endpoint = endpoint
            yield fake
            fake.release()  # nothing left hanging when the server stops
    finally:
        moto.stop()
