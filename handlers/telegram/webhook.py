"""Webhook mode: `POST /webhooks/telegram` on the Starlette app.

The secret header is checked before anything else (constant-time), the update recorded and
committed, 200 returned; the engine and the sender run after the response. A photo is
downloaded before the 200 (the inbox keeps bytes, not Telegram file ids) — a second or so,
well inside Telegram's patience. Telegram redelivers anything not answered with 200, and the
inbox makes a redelivery (even a parallel one) a no-op.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, Update
from telegram.error import NetworkError

from handlers.telegram.app import ALLOWED_UPDATES
from handlers.telegram.receiver import Received, Receiver
from handlers.telegram.worker import EngineWorker

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
WEBHOOK_PATH = "/webhooks/telegram"


def secret_refusal(request: Request, secret: str) -> Response | None:
    """401 without the header, 403 with a wrong one (or when no secret is configured)."""
    given = request.headers.get(SECRET_HEADER)
    if given is None:
        return Response(status_code=401)
    if not secret or not secrets.compare_digest(given.encode(), secret.encode()):
        return Response(status_code=403)
    return None


def telegram_webhook_route(
    receiver: Receiver,
    worker: EngineWorker,
    secret: str,
    *,
    after_handled: Callable[[], Awaitable[object]] | None = None,
) -> Route:
    """`after_handled` runs once the engine is done (e.g. a delivery pass)."""

    async def process(inbox_ids: list[int], received: list[Received | None]) -> None:
        await receiver.answer_callbacks(received)
        await worker.handle(inbox_ids)
        if after_handled is not None:
            await after_handled()

    async def telegram_webhook(request: Request) -> Response:
        refused = secret_refusal(request, secret)
        if refused is not None:
            return refused
        try:
            data = json.loads(await request.body())
            update = Update.de_json(data, receiver.bot)
        except (ValueError, TypeError, KeyError):
            return Response(status_code=400)
        await ensure_initialized(receiver.bot)
        try:
            received = [await receiver.prepare(update)]
        except NetworkError as exc:  # Telegram will deliver it again
            logger.warning("telegram webhook: photo download failed (%s)", type(exc).__name__)
            return Response(status_code=503)
        inbox_ids = await run_in_threadpool(receiver.record, received)
        return Response(status_code=200, background=BackgroundTask(process, inbox_ids, received))

    return Route(WEBHOOK_PATH, telegram_webhook, methods=["POST"])


async def ensure_initialized(bot: Bot) -> None:
    """PTB's Bot opens its HTTP client on `initialize` (idempotent), in the running loop."""
    await bot.initialize()


async def set_webhook(bot: Bot, public_base_url: str, secret: str) -> None:
    await bot.set_webhook(
        url=f"{public_base_url.rstrip('/')}{WEBHOOK_PATH}",
        secret_token=secret,
        allowed_updates=list(ALLOWED_UPDATES),
    )
