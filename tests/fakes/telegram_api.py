"""A fake Telegram Bot API server for tests: the real PTB talks to it over HTTP.

Methods: getMe, getUpdates (long polling with offset semantics: an offset confirms and drops
every earlier update), sendMessage, sendPhoto (multipart upload or a file_id; uploads get a
file_id), editMessageText, editMessageCaption, editMessageMedia, answerCallbackQuery, getFile
and the file download, setWebhook, deleteWebhook, setMyCommands, sendInvoice,
answerPreCheckoutQuery. Faults on demand: `fail(method, status, retry_after=…)` answers the
next calls of a method with 429 (with retry_after) or a 5xx; `blocked` chats get 403;
`hang(method, after=n)` leaves its calls (after the next n) unanswered until `unhang()`, which
fails them (502: the message never went out); `refuse_token(after=n)` answers every call (after
the next n) 401 Unauthorized, as Telegram answers a token BotFather revoked (any token but the
fake's is refused too).
Every call is recorded (`calls`), with the time it arrived (`Call.arrived`, monotonic).

The messages the bot sent are kept (`messages`), so edits answer as Telegram does: an unknown
message "not found", a text edit of a photo "no text", a caption or media edit of a text
"no caption" / "can't be edited", an unchanged one "not modified", and a message put in
`too_old` "can't be edited".
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.serving import serve_app

BOT_ID = 7000001
TOKEN = f"{BOT_ID}:AAE-fake-token-0123456789abcdefghij"
USERNAME = "SokoTestBot"
# How often an open long poll looks at its deadline and at `closing` (a fed update wakes it).
LONG_POLL_LOOK_SECONDS = 0.05


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    message_id: int | None = None  # of the message a send made
    hung: bool = False  # waiting, unanswered (`FakeTelegram.hang`)
    arrived: float = field(default_factory=time.monotonic)  # when it reached the fake


@dataclass
class Fault:
    status: int
    retry_after: int | None
    remaining: int


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self._lock = threading.Lock()
        # Update ids keep increasing across resets: a long poll left over from an earlier test
        # may still confirm an old offset, which must not drop a later test's updates.
        self._update_ids = itertools.count(1000)
        self._confirmed = 0  # every update_id below this is confirmed
        # Set when the server stops: a long poll a killed bot left open ends at once.
        self.closing = False
        # The open long polls (getUpdates), woken by `feed` rather than looking in a tight loop.
        self._long_polls: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self.reset()

    def reset(self) -> None:
        """Forget everything (one server serves a whole test session)."""
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}
        self.blocked: set[int] = set()
        self.webhook: dict[str, Any] = {}
        self.commands: dict[str, list[dict[str, str]]] = {}
        # (chat id, message id) → the message as it reads now.
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.too_old: set[int] = set()  # message ids Telegram no longer lets the bot edit
        self._updates: list[dict[str, Any]] = []
        self._faults: dict[str, Fault] = {}
        self._hanging: dict[str, int] = {}  # method → calls still answered before it hangs
        self._answered_before_refusing: int | None = None  # `refuse_token`
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)

    # --- what the test does ---------------------------------------------------------------

    def feed(self, update: dict[str, Any]) -> int:
        """Queue an update (given its content, e.g. {"message": …}); returns its update_id."""
        with self._lock:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **update})
            for loop, fed in self._long_polls:
                with suppress(RuntimeError):  # its server has stopped
                    loop.call_soon_threadsafe(fed.set)
            return update_id

    def add_file(self, data: bytes) -> str:
        with self._lock:
            file_id = f"file-{next(self._file_ids)}"
            self.files[file_id] = data
            return file_id

    def fail(
        self, method: str, status: int, *, retry_after: int | None = None, times: int = 1
    ) -> None:
        with self._lock:
            self._faults[method] = Fault(status, retry_after, times)

    def garble(self, method: str, *, times: int = 1) -> None:
        """The next `times` calls of `method` succeed with an answer no client can read."""
        self.fail(method, 200, times=times)

    def hang(self, method: str, *, after: int = 0) -> None:
        """Calls of `method` (but the next `after`) wait, unanswered, until `unhang`."""
        with self._lock:
            self._hanging[method] = after

    def refuse_token(self, *, after: int = 0) -> None:
        """Every call but the next `after` is refused (401), as for a revoked token."""
        with self._lock:
            self._answered_before_refusing = after

    def unhang(self) -> None:
        with self._lock:
            self._hanging.clear()

    def hung_calls(self, method: str) -> int:
        """Calls of `method` waiting for an answer now."""
        with self._lock:
            return sum(1 for call in self.calls if call.method == method and call.hung)

    def calls_of(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def sent_to(self, chat_id: int) -> list[Call]:
        """sendMessage / sendPhoto calls that reached a chat, in order."""
        with self._lock:
            return [
                call
                for call in self.calls
                if call.method in ("sendMessage", "sendPhoto")
                and str(call.params.get("chat_id")) == str(chat_id)
                and call.params.get("_ok")
            ]

    def edits_of(self, chat_id: int) -> list[Call]:
        """Successful editMessage* calls in a chat, in order."""
        with self._lock:
            return [
                call
                for call in self.calls
                if call.method.startswith("editMessage")
                and str(call.params.get("chat_id")) == str(chat_id)
                and call.params.get("_ok")
            ]

    def pending_updates(self) -> int:
        with self._lock:
            return sum(1 for u in self._updates if u["update_id"] >= self._confirmed)

    # --- the server ---------------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
            ]
        )

    async def _api(self, request: Request) -> Response:
        if request.path_params["token"] != self.token or self._refusing_token():
            return _error(401, "Unauthorized")
        method = request.path_params["method"]
        params, files = await _parameters(request)
        call = Call(method, params, files)
        with self._lock:
            self.calls.append(call)
            fault = self._faults.get(method)
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._faults[method]
        if await self._hung(call):
            return _error(502, "Bad Gateway")
        if fault is not None:
            if fault.status == 200:
                return _ok("unreadable")
            if fault.status == 429:
                return _error(429, "Too Many Requests", {"retry_after": fault.retry_after or 1})
            return _error(fault.status, "Bad Gateway")
        handler = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageMedia": self._edit_message_media,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "setMyCommands": self._set_my_commands,
            "sendInvoice": self._send_invoice,
            "answerPreCheckoutQuery": self._answer_pre_checkout_query,
        }.get(method)
        if handler is None:
            return _error(404, "Not Found: method not found")
        response: Response = await handler(call)
        return response

    def _refusing_token(self) -> bool:
        with self._lock:
            if self._answered_before_refusing is None:
                return False
            if self._answered_before_refusing > 0:
                self._answered_before_refusing -= 1
                return False
            return True

    async def _hung(self, call: Call) -> bool:
        """Wait while the method hangs; whether it did."""
        with self._lock:
            if self._hanging.get(call.method, 0) > 0:
                self._hanging[call.method] -= 1
                return False
        hung = False
        while True:
            with self._lock:
                call.hung = call.method in self._hanging
            if not call.hung:
                return hung
            hung = True
            await asyncio.sleep(0.01)

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return Response(status_code=401)
        data = self.files.get(request.path_params["path"])
        return (
            Response(data, media_type="image/jpeg")
            if data is not None
            else Response(status_code=404)
        )

    # --- methods ------------------------------------------------------------------------------

    async def _get_me(self, call: Call) -> Response:
        return _ok({"id": BOT_ID, "is_bot": True, "first_name": "Soko", "username": USERNAME})

    async def _get_updates(self, call: Call) -> Response:
        offset = int(call.params.get("offset") or 0)
        limit = int(call.params.get("limit") or 100)
        deadline = time.monotonic() + float(call.params.get("timeout") or 0)
        fed = asyncio.Event()
        long_poll = (asyncio.get_running_loop(), fed)
        try:
            while True:
                with self._lock:
                    self._confirmed = max(self._confirmed, offset)
                    self._updates = [u for u in self._updates if u["update_id"] >= self._confirmed]
                    batch = self._updates[:limit]
                    self._long_polls.add(long_poll)
                if batch or time.monotonic() >= deadline or self.closing:
                    return _ok(batch)
                # Woken by `feed` at once; the timeout only notices the deadline or `closing`.
                with suppress(TimeoutError):
                    await asyncio.wait_for(
                        fed.wait(), min(LONG_POLL_LOOK_SECONDS, deadline - time.monotonic())
                    )
                fed.clear()
        finally:
            with self._lock:
                self._long_polls.discard(long_poll)

    async def _send_message(self, call: Call) -> Response:
        chat_id = int(call.params["chat_id"])
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        call.params["_ok"] = True
        content = {"text": call.params.get("text", "")}
        return self._sent(call, self._message(chat_id, content, call.params.get("reply_markup")))

    async def _send_photo(self, call: Call) -> Response:
        chat_id = int(call.params["chat_id"])
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        file_id = self._photo_file(call, str(call.params.get("photo", "")))
        if file_id is None:
            return _error(400, "Bad Request: wrong file identifier/HTTP URL specified")
        call.params["_ok"] = True
        content: dict[str, Any] = {"photo": _photo_sizes(file_id)}
        if call.params.get("caption"):
            content["caption"] = call.params["caption"]
        return self._sent(call, self._message(chat_id, content, call.params.get("reply_markup")))

    def _sent(self, call: Call, message: dict[str, Any]) -> Response:
        call.message_id = message["message_id"]
        return _ok(message)

    def _photo_file(self, call: Call, media: str) -> str | None:
        """The file_id a sent or edited photo gets (an upload is stored); None if unknown."""
        if media.startswith("attach://") or (not media and "photo" in call.files):
            return self.add_file(call.files[media.removeprefix("attach://") or "photo"])
        if media in self.files or media.startswith("http"):
            return media
        return None

    async def _edit_message_text(self, call: Call) -> Response:
        found = self._editable(call)
        if isinstance(found, Response):
            return found
        if "text" not in found:
            return _error(400, "Bad Request: there is no text in the message to edit")
        return self._edited(call, found, {"text": call.params.get("text", "")})

    async def _edit_message_caption(self, call: Call) -> Response:
        found = self._editable(call)
        if isinstance(found, Response):
            return found
        if "photo" not in found:
            return _error(400, "Bad Request: there is no caption in the message to edit")
        return self._edited(call, found, {"caption": call.params.get("caption", "")})

    async def _edit_message_media(self, call: Call) -> Response:
        found = self._editable(call)
        if isinstance(found, Response):
            return found
        media = call.params.get("media") or {}
        if "photo" not in found or media.get("type") != "photo":
            return _error(400, "Bad Request: message can't be edited")
        file_id = self._photo_file(call, str(media.get("media", "")))
        if file_id is None:
            return _error(400, "Bad Request: wrong file identifier/HTTP URL specified")
        changes = {"photo": _photo_sizes(file_id), "caption": media.get("caption", "")}
        return self._edited(call, found, changes)

    def _editable(self, call: Call) -> dict[str, Any] | Response:
        key = (int(call.params["chat_id"]), int(call.params["message_id"]))
        with self._lock:
            found = self.messages.get(key)
        if found is None:
            return _error(400, "Bad Request: message to edit not found")
        if key[1] in self.too_old:
            return _error(400, "Bad Request: message can't be edited")
        return found

    def _edited(self, call: Call, message: dict[str, Any], changes: dict[str, Any]) -> Response:
        changed = {**message, **changes, "reply_markup": call.params.get("reply_markup")}
        changed = {key: value for key, value in changed.items() if value not in (None, "")}
        if _content(changed) == _content(message):
            return _error(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        changed["edit_date"] = int(time.time())
        with self._lock:
            self.messages[(changed["chat"]["id"], changed["message_id"])] = changed
        call.params["_ok"] = True
        return _ok(changed)

    async def _answer_callback_query(self, call: Call) -> Response:
        return _ok(True)

    async def _send_invoice(self, call: Call) -> Response:
        chat_id = int(call.params["chat_id"])
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        params = call.params
        if not params.get("provider_token") or not params.get("prices"):
            return _error(400, "Bad Request: PAYMENT_PROVIDER_INVALID")
        call.params["_ok"] = True
        invoice = {
            "title": params["title"],
            "description": params["description"],
            "start_parameter": "",
            "currency": params["currency"],
            "total_amount": sum(int(price["amount"]) for price in params["prices"]),
        }
        return _ok(self._message(chat_id, {"invoice": invoice}))

    async def _answer_pre_checkout_query(self, call: Call) -> Response:
        return _ok(True)

    async def _get_file(self, call: Call) -> Response:
        file_id = call.params["file_id"]
        data = self.files.get(file_id)
        if data is None:
            return _error(400, "Bad Request: invalid file_id")
        return _ok(
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_size": len(data),
                "file_path": file_id,
            }
        )

    async def _set_webhook(self, call: Call) -> Response:
        self.webhook = dict(call.params)
        return _ok(True)

    async def _delete_webhook(self, call: Call) -> Response:
        self.webhook = {}
        return _ok(True)

    async def _set_my_commands(self, call: Call) -> Response:
        self.commands[call.params.get("language_code", "")] = call.params["commands"]
        return _ok(True)

    def _message(
        self, chat_id: int, content: dict[str, Any], reply_markup: Any = None
    ) -> dict[str, Any]:
        with self._lock:
            message_id = next(self._message_ids)
            message = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Soko", "username": USERNAME},
                **content,
            }
            if isinstance(reply_markup, dict) and "inline_keyboard" in reply_markup:
                message["reply_markup"] = reply_markup  # only inline keyboards stay on a message
            self.messages[(chat_id, message_id)] = message
            return message


def _photo_sizes(file_id: str) -> list[dict[str, Any]]:
    return [{"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 800, "height": 800}]


def _content(message: dict[str, Any]) -> tuple[Any, ...]:
    """What an edit may change: text or caption, photo, keyboard."""
    photo = message.get("photo") or [{}]
    return (
        message.get("text"),
        message.get("caption"),
        photo[-1].get("file_id"),
        message.get("reply_markup"),
    )


# --- updates as Telegram sends them ---------------------------------------------------------


def user(
    user_id: int, first_name: str = "Wanjiru", language_code: str | None = "en"
) -> dict[str, Any]:
    person: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        person["language_code"] = language_code
    return person


_SENT_IDS = itertools.count(10_000)


def message(sender: dict[str, Any], **content: Any) -> dict[str, Any]:
    return {
        "message": {
            "message_id": next(_SENT_IDS),
            "date": int(time.time()),
            "chat": {"id": sender["id"], "type": "private", "first_name": sender["first_name"]},
            "from": sender,
            **content,
        }
    }


def text(sender: dict[str, Any], words: str) -> dict[str, Any]:
    return message(sender, text=words)


def photo(
    sender: dict[str, Any],
    file_id: str,
    size: int,
    *,
    caption: str = "",
    media_group_id: str | None = None,
) -> dict[str, Any]:
    sizes = [
        {
            "file_id": f"{file_id}-thumb",
            "file_unique_id": "t",
            "width": 90,
            "height": 90,
            "file_size": 1000,
        },
        {
            "file_id": file_id,
            "file_unique_id": "f",
            "width": 1280,
            "height": 1280,
            "file_size": size,
        },
    ]
    content: dict[str, Any] = {"photo": sizes}
    if caption:
        content["caption"] = caption
    if media_group_id:
        content["media_group_id"] = media_group_id
    return message(sender, **content)


def document(
    sender: dict[str, Any], file_id: str, size: int, mime_type: str = "image/jpeg"
) -> dict[str, Any]:
    return message(
        sender,
        document={
            "file_id": file_id,
            "file_unique_id": "d",
            "file_size": size,
            "mime_type": mime_type,
        },
    )


def contact(sender: dict[str, Any], phone: str, owner_id: int | None) -> dict[str, Any]:
    shared: dict[str, Any] = {"phone_number": phone, "first_name": sender["first_name"]}
    if owner_id is not None:
        shared["user_id"] = owner_id
    return message(sender, contact=shared)


def tap(sender: dict[str, Any], data: str, message_id: int = 1) -> dict[str, Any]:
    return {
        "callback_query": {
            "id": f"cq-{next(_SENT_IDS)}",
            "from": sender,
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": sender["id"], "type": "private"},
                "text": "…",
            },
        }
    }


def pre_checkout_query(
    sender: dict[str, Any], payload: str, currency: str, total_amount: int
) -> dict[str, Any]:
    """Telegram asking whether to charge the card for an invoice."""
    return {
        "pre_checkout_query": {
            "id": f"pcq-{next(_SENT_IDS)}",
            "from": sender,
            "currency": currency,
            "total_amount": total_amount,
            "invoice_payload": payload,
        }
    }


def successful_payment(
    sender: dict[str, Any],
    payload: str,
    currency: str,
    total_amount: int,
    charge_id: str,
    provider_charge_id: str = "",
) -> dict[str, Any]:
    """The message Telegram sends after charging the card."""
    paid = {
        "currency": currency,
        "total_amount": total_amount,
        "invoice_payload": payload,
        "telegram_payment_charge_id": charge_id,
        "provider_payment_charge_id": provider_charge_id or f"prov_{charge_id}",
    }
    return message(sender, successful_payment=paid)


# --- plumbing -------------------------------------------------------------------------------


def _ok(result: Any) -> Response:
    return JSONResponse({"ok": True, "result": result})


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=status)


async def _parameters(request: Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    raw: dict[str, str] = {}
    files: dict[str, bytes] = {}
    if content_type.startswith("multipart/form-data"):
        parsed = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        for part in parsed.iter_parts():
            name = str(part.get_param("name", header="content-disposition"))
            data = part.get_payload(decode=True)
            assert isinstance(data, bytes)
            if part.get_filename():
                files[name] = data
            else:
                raw[name] = data.decode()
    elif content_type.startswith("application/json"):
        raw = {k: v if isinstance(v, str) else json.dumps(v) for k, v in json.loads(body).items()}
    else:
        raw = dict(parse_qsl(body.decode(), keep_blank_values=True))
    raw.update(request.query_params)
    return {key: _decode(value) for key, value in raw.items()}, files


def _decode(value: str) -> Any:
    if value[:1] in ("{", "[") or value in ("true", "false"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@contextmanager
def serve(fake: FakeTelegram) -> Iterator[str]:
    """Run the fake on 127.0.0.1 in a background thread; yields its base URL."""
    with serve_app(fake.app()) as url:
        try:
            yield url
        finally:
            fake.closing = True  # a long poll a killed bot left open ends at once
