"""Webhook mode: `POST /webhooks/telegram` on the Starlette app.

The secret header is checked before anything else (constant-time), the body read within a cap
and a deadline (`handlers.bodies`) and refused unless it is a JSON object, the update recorded and
committed, 200 returned (a pre-checkout query of an invoice is answered in the response,
after its re-check); the engine runs after the response, and the process's sender
(`soko run`) delivers the replies. A worker killed between the 200 and the engine leaves the
update recorded: the next worker to start (`soko web`, `soko run`) handles it first. A tapped
button is answered in the response itself (the Bot API accepts one method call as a webhook
reply), so no extra request is needed. A photo is downloaded, processed and stored before the
200 (the inbox keeps the stored photo's record, not a Telegram file id), the download through a
short-lived Bot so that stateless web workers hold no open connections. Telegram redelivers
anything not answered with 200, and the inbox makes a redelivery (even a parallel one) a no-op.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Sequence

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Bot, Update
from telegram.error import TelegramError

from handlers.awaiting_media import MediaWorker
from handlers.bodies import read_body
from handlers.telegram.app import ALLOWED_UPDATES
from handlers.telegram.receiver import Receiver, received
from handlers.telegram.worker import EngineWorker

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
WEBHOOK_PATH = "/webhooks/telegram"
# An update is a few kilobytes (a message's text is at most 4096 characters); this leaves room.
MAX_BODY_BYTES = 1024 * 1024


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
    media: MediaWorker,
    secret: str,
    on_refused: Callable[[], None] = lambda: None,
) -> Route:
    """`on_refused` is told of each call refused for its secret (metrics)."""

    async def telegram_webhook(request: Request) -> Response:
        refused = secret_refusal(request, secret)
        if refused is not None:
            on_refused()
            return refused
        body = await read_body(request, MAX_BODY_BYTES)
        try:
            data = json.loads(body)
            if not isinstance(data, dict):  # an update is a JSON object; `[1, 2]` is not
                return Response(status_code=400)
            update = Update.de_json(data, receiver.bot)
        except (ValueError, TypeError, KeyError, AttributeError):  # PTB on a malformed update
            return Response(status_code=400)
        query = update.pre_checkout_query
        if query is not None:  # answered in the response itself, within Telegram's 10 s
            checked = await run_in_threadpool(receiver.pre_checkout_answer, query)
            reply: dict[str, str | bool] = {
                "method": "answerPreCheckoutQuery",
                "pre_checkout_query_id": query.id,
                "ok": checked.ok,
            }
            if checked.error_message:
                reply["error_message"] = checked.error_message
            return JSONResponse(reply)
        incoming = receiver.read(update)
        batch = [received(incoming) if incoming is not None else None]
        recorded = await run_in_threadpool(receiver.record, batch)
        media.submit(recorded.fetch)  # its own threads: the 200 does not wait for a photo
        background = BackgroundTask(handle_recorded, receiver.bot, worker, recorded.handle)
        query_id = incoming.callback_query_id if incoming is not None else None
        if query_id is not None:
            answer = {"method": "answerCallbackQuery", "callback_query_id": query_id}
            return JSONResponse(answer, background=background)
        return Response(status_code=200, background=background)

    return Route(WEBHOOK_PATH, telegram_webhook, methods=["POST"])


async def handle_recorded(bot: Bot, worker: EngineWorker, inbox_ids: Sequence[int]) -> None:
    """After the 200: the engine handles what was recorded. The engine needs the bot's
    username (referral links), so a web worker's Bot is initialised (getMe) on first use;
    when Telegram cannot be reached the rows stay recorded for the next sweep."""
    if not inbox_ids:
        return
    try:
        if not _initialized(bot):
            await bot.initialize()
    except TelegramError as exc:
        logger.warning("telegram webhook: bot not initialised (%s)", type(exc).__name__)
        return
    await worker.handle(inbox_ids)


def _initialized(bot: Bot) -> bool:
    try:
        return bool(bot.username)
    except RuntimeError:  # PTB: "not properly initialized"
        return False


def webhook_url(public_base_url: str) -> str:
    return f"{public_base_url.rstrip('/')}{WEBHOOK_PATH}"


async def set_webhook(bot: Bot, public_base_url: str, secret: str, *, max_connections: int) -> None:
    """Telegram posts updates to `public_base_url`'s webhook path with `secret`, opening at
    most `max_connections` connections at once."""
    await bot.set_webhook(
        url=webhook_url(public_base_url),
        secret_token=secret,
        allowed_updates=list(ALLOWED_UPDATES),
        max_connections=max_connections,
    )
