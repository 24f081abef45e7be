"""A fake Twilio API on 127.0.0.1, for the real twilio `Client` and our media downloads.

- ``POST /2010-04-01/Accounts/{sid}/Messages.json`` (Basic auth) captures each message and
  answers like Twilio (a fresh ``SM…`` sid), or with a scripted error (`fail_next`); after
  `hang()` it leaves each call unanswered until `unhang()`, then fails it (the message never
  went out).
- ``GET /2010-04-01/Accounts/{sid}/Messages/{msid}/Media/{mid}`` (Basic auth) redirects to the
  fake CDN, reached under another host name (``localhost``), which refuses credentials; after
  `hang_media()` it leaves each download unanswered until `unhang()`.
- ``DELETE /2010-04-01/Accounts/{sid}/Messages/{msid}/Media/{mid}.json`` (Basic auth) deletes
  the file, as the shop does once a photo is processed or refused (`deleted_media`).
- ``POST /v1/Content`` and ``/v1/Content/{sid}/ApprovalRequests/whatsapp``: the Content API.

Every request is logged (`requests`), so a test can also prove something was *not* fetched.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

# A scripted answer: accepted (201) with a body that is not JSON, as a proxy in trouble sends.
GARBLED: Final = (201, 0)


@dataclass
class SentMessage:
    to: str
    from_: str
    body: str
    media_urls: list[str]
    content_sid: str
    content_variables: dict[str, str]
    status_callback: str
    sid: str
    received_at: float = field(default_factory=time.perf_counter)  # for bench/whatsapp.py


@dataclass
class LoggedRequest:
    method: str
    host: str
    path: str
    authorized: bool


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    messages: list[SentMessage] = field(default_factory=list)
    contents: list[dict[str, Any]] = field(default_factory=list)
    approvals: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    requests: list[LoggedRequest] = field(default_factory=list)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    failures: list[tuple[int, int] | None] = field(default_factory=list)
    # A process of its own (`soko run`) cannot be told about a fake CDN on localhost: there
    # the API itself answers with the file instead of redirecting to the CDN.
    serve_media_directly: bool = False
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    hanging: bool = False
    hung: int = 0  # message creations waiting for an answer now
    media_hanging: bool = False
    media_hung: int = 0  # media downloads waiting for an answer now
    deleted_media: list[str] = field(default_factory=list)  # media sids, as deleted

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def cdn_origin(self) -> str:
        return f"http://localhost:{self.port}"

    def add_media(self, data: bytes, content_type: str = "image/jpeg") -> str:
        """A MediaUrl as Twilio would put it in a webhook."""
        message_sid = "MM" + secrets.token_hex(16)
        media_sid = "ME" + secrets.token_hex(16)
        self.media[media_sid] = (data, content_type)
        return (
            f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}"
            f"/Messages/{message_sid}/Media/{media_sid}"
        )

    def fail_next(self, status: int, code: int) -> None:
        self.failures.append((status, code))

    def garble_next(self) -> None:
        """The next message creation is accepted with an answer no client can read."""
        self.failures.append(GARBLED)

    def script(self, *answers: tuple[int, int] | None) -> None:
        """How the next message creations go: None succeeds, (status, code) fails."""
        self.failures.extend(answers)

    def hang(self) -> None:
        with self.lock:
            self.hanging = True

    def hang_media(self) -> None:
        with self.lock:
            self.media_hanging = True

    def unhang(self) -> None:
        with self.lock:
            self.hanging = False
            self.media_hanging = False

    def messages_to(self, phone: str) -> list[SentMessage]:
        with self.lock:
            return [m for m in self.messages if m.to == f"whatsapp:{phone}"]

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.contents.clear()
            self.approvals.clear()
            self.requests.clear()
            self.failures.clear()
            self.deleted_media.clear()
            self.hanging = False
            self.media_hanging = False

    # --- the app -------------------------------------------------------------------------

    def _authorized(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return secrets.compare_digest(request.headers.get("authorization", ""), f"Basic {expected}")

    def _log(self, request: Request) -> bool:
        authorized = self._authorized(request)
        with self.lock:
            self.requests.append(
                LoggedRequest(
                    request.method,
                    request.headers.get("host", ""),
                    request.url.path,
                    "authorization" in request.headers,
                )
            )
        return authorized

    async def create_message(self, request: Request) -> Response:
        if not self._log(request) or request.path_params["sid"] != self.account_sid:
            return _error(401, 20003, "Authenticate")
        form = parse_qs((await request.body()).decode(), keep_blank_values=True)
        if await self._hung():
            return _error(502, 30008, "no answer")
        with self.lock:
            scripted = self.failures.pop(0) if self.failures else None
            if scripted == GARBLED:
                return Response("<html>upstream error</html>", 201, media_type="text/html")
            if scripted is not None:
                status, code = scripted
                return _error(status, code, "scripted failure")
            sid = "SM" + secrets.token_hex(16)
            variables = form.get("ContentVariables", ["{}"])[0]
            self.messages.append(
                SentMessage(
                    to=form["To"][0],
                    from_=form["From"][0],
                    body=form.get("Body", [""])[0],
                    media_urls=form.get("MediaUrl", []),
                    content_sid=form.get("ContentSid", [""])[0],
                    content_variables=json.loads(variables),
                    status_callback=form.get("StatusCallback", [""])[0],
                    sid=sid,
                )
            )
        return JSONResponse({"sid": sid, "status": "queued", "account_sid": self.account_sid}, 201)

    async def _hung(self) -> bool:
        """Wait while `hang` is on; whether it was."""
        with self.lock:
            if not self.hanging:
                return False
            self.hung += 1
        while self.hanging:
            await asyncio.sleep(0.01)
        with self.lock:
            self.hung -= 1
        return True

    async def _media_hung(self) -> None:
        """Wait while `hang_media` is on."""
        with self.lock:
            if not self.media_hanging:
                return
            self.media_hung += 1
        while self.media_hanging:
            await asyncio.sleep(0.01)
        with self.lock:
            self.media_hung -= 1

    async def media_file(self, request: Request) -> Response:
        if not self._log(request):
            return _error(401, 20003, "Authenticate")
        media_sid = request.path_params["media_sid"]
        await self._media_hung()
        if media_sid not in self.media:
            return _error(404, 20404, "Not found")
        if self.serve_media_directly:
            data, content_type = self.media[media_sid]
            return Response(data, media_type=content_type)
        return RedirectResponse(f"{self.cdn_origin}/cdn/{media_sid}", status_code=307)

    async def delete_media(self, request: Request) -> Response:
        if not self._log(request) or request.path_params["sid"] != self.account_sid:
            return _error(401, 20003, "Authenticate")
        media_sid = request.path_params["media_sid"]
        with self.lock:
            if self.media.pop(media_sid, None) is None:
                return _error(404, 20404, "Not found")
            self.deleted_media.append(media_sid)
        return Response(status_code=204)

    async def cdn_file(self, request: Request) -> Response:
        self._log(request)
        if request.headers.get("host") != f"localhost:{self.port}":
            return Response(status_code=404)
        if "authorization" in request.headers:  # the account's credentials must not leak here
            return Response(status_code=400)
        data, content_type = self.media[request.path_params["media_sid"]]
        return Response(data, media_type=content_type)

    async def create_content(self, request: Request) -> Response:
        if not self._log(request):
            return _error(401, 20003, "Authenticate")
        body = json.loads(await request.body())
        sid = "HX" + secrets.token_hex(16)
        with self.lock:
            self.contents.append({**body, "sid": sid})
        return JSONResponse({"sid": sid, **body}, 201)

    async def create_approval(self, request: Request) -> Response:
        if not self._log(request):
            return _error(401, 20003, "Authenticate")
        body = json.loads(await request.body())
        with self.lock:
            self.approvals.append((request.path_params["sid"], body))
        return JSONResponse({**body, "status": "received"}, 201)

    def app(self) -> Starlette:
        accounts = "/2010-04-01/Accounts/{sid}"
        return Starlette(
            routes=[
                Route(f"{accounts}/Messages.json", self.create_message, methods=["POST"]),
                Route(
                    f"{accounts}/Messages/{{message_sid}}/Media/{{media_sid}}",
                    self.media_file,
                    methods=["GET"],
                ),
                Route(
                    f"{accounts}/Messages/{{message_sid}}/Media/{{media_sid}}.json",
                    self.delete_media,
                    methods=["DELETE"],
                ),
                Route("/cdn/{media_sid}", self.cdn_file, methods=["GET"]),
                Route("/v1/Content", self.create_content, methods=["POST"]),
                Route(
                    "/v1/Content/{sid}/ApprovalRequests/whatsapp",
                    self.create_approval,
                    methods=["POST"],
                ),
            ]
        )


def _error(status: int, code: int, message: str) -> Response:
    return JSONResponse(
        {"code": code, "message": message, "status": status, "more_info": ""}, status
    )


class Served:
    """A Starlette app served by uvicorn in a thread on 127.0.0.1 and a free port."""

    def __init__(self, app: Starlette) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> int:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("fake server did not start")
            threading.Event().wait(0.01)
        port: int = self.server.servers[0].sockets[0].getsockname()[1]
        return port

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
