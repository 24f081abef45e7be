"""Wiring the Telegram channel: PTB's Application, the receiver, the engine worker, the sender;
and running it — lossless polling, or the webhook route plus `setWebhook`."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass

from starlette.routing import BaseRoute

from bot.container import Container
from bot.settings import TelegramMode
from bot.wiring import MediaBlobStore, build_engine, build_shop, telegram_invoices
from conversations.engine import Engine
from handlers.telegram.app import (
    POLL_TIMEOUT_SECONDS,
    AnyApplication,
    bot_id_of,
    build_application,
    build_bot,
)
from handlers.telegram.commands import register_commands
from handlers.telegram.delivery import TelegramDelivery
from handlers.telegram.limits import SendLimits
from handlers.telegram.polling import LosslessPoller
from handlers.telegram.receiver import Receiver
from handlers.telegram.webhook import set_webhook, telegram_webhook_route
from handlers.telegram.worker import EngineWorker

logger = logging.getLogger(__name__)


@dataclass
class TelegramChannel:
    application: AnyApplication
    receiver: Receiver
    worker: EngineWorker
    delivery: TelegramDelivery


def telegram_configured(container: Container) -> bool:
    return bool(container.settings.telegram_bot_token.get_secret_value())


def build_telegram(
    container: Container,
    *,
    limits: SendLimits | None = None,
    engine_factory: Callable[[], Engine] | None = None,
    threads: int = 4,
) -> TelegramChannel:
    settings = container.settings
    token = settings.telegram_bot_token.get_secret_value()
    application = build_application(token, settings.telegram_api_base_url)
    bot = application.bot

    def engine_with_bot_username() -> Engine:
        # Called after the bot is initialised (getMe): referral links name the bot.
        shop = build_shop(container)
        config = dataclasses.replace(shop.config, telegram_bot_username=bot.username)
        return build_engine(container, shop=dataclasses.replace(shop, config=config))

    receiver = Receiver(
        bot,
        container.uow_factory,
        MediaBlobStore(container.media_store),
        bot_id_of(token),
        invoices=telegram_invoices(container),
    )
    worker = EngineWorker(engine_factory or engine_with_bot_username, threads=threads)
    delivery = TelegramDelivery(
        bot,
        container.uow_factory,
        container.media_store,
        limits=limits,
        payment_provider_token=settings.telegram_payment_provider_token.get_secret_value(),
    )
    return TelegramChannel(application, receiver, worker, delivery)


def telegram_routes(
    container: Container, channel: TelegramChannel | None = None
) -> list[BaseRoute]:
    """`POST /webhooks/telegram` when the bot runs in webhook mode (else no route).

    Web workers (`soko web`, any number) record and handle updates; replies go out through
    the sender of the one `soko run` process in webhook mode (`run_telegram`), or through
    `soko scheduler`'s `deliver_outbox` job.
    """
    settings = container.settings
    if not telegram_configured(container) or settings.telegram_mode is not TelegramMode.WEBHOOK:
        return []
    channel = channel or build_telegram(container)
    token = settings.telegram_bot_token.get_secret_value()
    return [
        telegram_webhook_route(
            channel.receiver,
            channel.worker,
            settings.telegram_webhook_secret.get_secret_value(),
            lambda: build_bot(token, settings.telegram_api_base_url),
            on_refused=container.metrics.signature_failed("telegram"),
        )
    ]


async def run_telegram(
    container: Container,
    channel: TelegramChannel,
    stop: asyncio.Event,
    *,
    poll_timeout: int = POLL_TIMEOUT_SECONDS,
) -> None:
    """Run the channel until `stop`: commands and (webhook mode) `setWebhook` registered, a
    sweep of what an earlier run recorded but did not handle, then the poller (polling mode)
    and the sender."""
    settings = container.settings
    bot = channel.application.bot
    async with channel.application:  # initialise: getMe, HTTP pools
        await register_commands(bot)
        if settings.telegram_mode is TelegramMode.WEBHOOK:
            await set_webhook(
                bot,
                settings.public_base_url,
                settings.telegram_webhook_secret.get_secret_value(),
            )
        else:
            await bot.delete_webhook()  # getUpdates is refused while a webhook is set
        logger.info("telegram: @%s in %s mode", bot.username, settings.telegram_mode.value)
        wake = asyncio.Event()
        loop = asyncio.get_running_loop()
        channel.worker.set_on_handled(lambda: loop.call_soon_threadsafe(wake.set))
        swept = await asyncio.to_thread(channel.worker.sweep)
        if swept:
            logger.info("telegram: %s updates from before the restart handled", swept)
        tasks = [channel.delivery.run(wake, stop)]
        if settings.telegram_mode is TelegramMode.POLLING:
            poller = LosslessPoller(channel.receiver, channel.worker, poll_timeout=poll_timeout)
            tasks.append(poller.run(stop))
        try:
            await asyncio.gather(*tasks)
        finally:
            stop.set()
            await asyncio.to_thread(channel.worker.close)
