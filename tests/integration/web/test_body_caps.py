"""Every route that reads a request body reads it within a cap, before any signature is
checked: a Content-Length above the cap is refused without reading a byte, and a body sent
without one (in chunks) is cut off once it passes the cap. The app is called as the server
calls it (ASGI), so the test counts the bytes the app asked the server for."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.types import Message

from bot.container import Container
from bot.routes import channel_routes
from bot.settings import Settings, TelegramMode
from bot.web import create_app
from handlers.stripe.webhook import MAX_BODY_BYTES as STRIPE_MAX
from handlers.telegram.webhook import MAX_BODY_BYTES as TELEGRAM_MAX
from handlers.telegram.webhook import SECRET_HEADER
from handlers.web.emulator import WRITE_HEADER
from handlers.whatsapp.webhook import MAX_FORM_BYTES as TWILIO_MAX
from tests.fakes.stripe_api import API_KEY, WEBHOOK_SECRET
from tests.fakes.telegram_api import TOKEN

HOST = "shop.test"
CHUNK = 64 * 1024
HUGE = 256 * 1024 * 1024  # what the attacker sends (or says she will)
TELEGRAM_SECRET = "s3cret-Webhook_token"
PHOTO_MAX = 1000  # the emulator's cap follows it: ten photos and the form around them


@dataclass(frozen=True)
class Door:
    path: str
    headers: tuple[tuple[str, str], ...]
    cap: int
    opening: bytes = b""  # what the body starts with, to be read on and on


DOORS = {
    "stripe": Door("/webhooks/stripe", (("stripe-signature", "t=1,v1=00"),), STRIPE_MAX),
    "telegram": Door("/webhooks/telegram", ((SECRET_HEADER, TELEGRAM_SECRET),), TELEGRAM_MAX),
    "twilio message": Door(
        "/webhooks/twilio/whatsapp",
        (("content-type", "application/x-www-form-urlencoded"),),
        TWILIO_MAX,
    ),
    "twilio status": Door(
        "/webhooks/twilio/status",
        (("content-type", "application/x-www-form-urlencoded"),),
        TWILIO_MAX,
    ),
    "emulator upload": Door(
        "/emulator/api/chat/lena",
        ((WRITE_HEADER, "1"), ("content-type", "multipart/form-data; boundary=xyz")),
        10 * (PHOTO_MAX + 1) + 64 * 1024,
        b"--xyz\r\nContent-Disposition: form-data; name=photo; filename=a.jpg\r\n\r\n",
    ),
}


def make_app(tmp_path: Path, *, emulator: bool) -> Starlette:
    """`soko web` with every webhook on (Telegram in webhook mode, Twilio, Stripe), or
    `soko demo`'s app with the emulator."""
    common: dict[str, object] = {
        "database_url": f"sqlite:///{tmp_path / 'soko.db'}",
        "media_dir": tmp_path / "media",
        "public_base_url": f"https://{HOST}",
    }
    if emulator:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            web_emulator=True,
            photo_max_bytes=PHOTO_MAX,
            **common,  # type: ignore[arg-type]
        )
    else:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            telegram_bot_token=SecretStr(TOKEN),
            telegram_api_base_url="http://127.0.0.1:9",
            telegram_mode=TelegramMode.WEBHOOK,
            telegram_webhook_secret=SecretStr(TELEGRAM_SECRET),
            twilio_account_sid="AC" + "0" * 32,
            twilio_auth_token=SecretStr("twilio-token"),
            twilio_whatsapp_from="whatsapp:+14155238886",
            twilio_api_base_url="http://127.0.0.1:9",
            stripe_secret_key=SecretStr(API_KEY),
            stripe_webhook_secret=SecretStr(WEBHOOK_SECRET),
            stripe_api_base_url="http://127.0.0.1:9",
            **common,  # type: ignore[arg-type]
        )
    container = Container(settings)
    return create_app(container, channel_routes(container))


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    pulled: int  # body bytes the app took from the server


def post(app: Starlette, door: Door, body: Iterator[bytes], length: int | None) -> Answer:
    """POST `body` to `door` as uvicorn hands it to the app, counting what the app reads."""
    pulled = 0
    started: list[Message] = []

    async def receive() -> Message:
        nonlocal pulled
        chunk = next(body, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            started.append(message)

    headers = [(b"host", HOST.encode())]
    headers += [(name.lower().encode(), value.encode()) for name, value in door.headers]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": door.path,
        "raw_path": door.path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("203.0.113.9", 40000),
        "server": (HOST, 443),
    }
    asyncio.run(app(scope, receive, send))
    (start,) = started
    answer_headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return Answer(start["status"], answer_headers, pulled)


def chunks(total: int, opening: bytes = b"") -> Iterator[bytes]:
    block = b"a" * CHUNK
    yield opening + block[len(opening) :]
    for _ in range(total // CHUNK - 1):
        yield block


@pytest.mark.parametrize("name", list(DOORS))
def test_a_body_announced_above_the_cap_is_refused_unread(tmp_path: Path, name: str) -> None:
    app = make_app(tmp_path, emulator=name == "emulator upload")

    answer = post(app, DOORS[name], chunks(HUGE, DOORS[name].opening), length=HUGE)

    assert (answer.status, answer.pulled) == (413, 0)
    assert answer.headers["connection"] == "close"  # the rest is not even received


@pytest.mark.parametrize("name", list(DOORS))
def test_a_chunked_body_is_cut_off_once_it_passes_the_cap(tmp_path: Path, name: str) -> None:
    door = DOORS[name]
    app = make_app(tmp_path, emulator=name == "emulator upload")

    answer = post(app, door, chunks(HUGE, door.opening), length=None)

    assert answer.status == 413
    assert door.cap < answer.pulled <= door.cap + CHUNK
    assert answer.headers["connection"] == "close"
