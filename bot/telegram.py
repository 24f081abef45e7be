"""The Telegram channel plug-in: PTB's Application, the receiver, the engine worker, the media
worker (photos), the sender; and running it — lossless polling, or the webhook route plus
`setWebhook` (at `soko run`'s start, or once per deploy by `soko telegram register`)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from starlette.applications import Starlette
from starlette.routing import BaseRoute
from starlette.types import Lifespan
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.container import Container
from bot.intake import photo_intake
from bot.lifecycle import GRACE_SECONDS, sweep_left_over, together
from bot.plugin import ChannelPasses, ChannelPlugin, Host, Running
from bot.settings import Settings, TelegramMode
from bot.telegram_invoices import telegram_invoices
from bot.telegram_token import REFUSED, refused_token_stops
from conversations import outbox
from conversations.capabilities import ChannelCapabilities
from conversations.engine import ChatEngine, sweep_all
from handlers.awaiting_media import AwaitingMedia, MediaWorker
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
from handlers.telegram.photos import MEDIA_KEY, TelegramFiles
from handlers.telegram.polling import LosslessPoller
from handlers.telegram.receiver import Receiver
from handlers.telegram.render import MAX_CAPTION, MAX_TEXT
from handlers.telegram.webhook import set_webhook, telegram_webhook_route, webhook_url
from handlers.telegram.worker import EngineWorker
from store.models import Channel

logger = logging.getLogger(__name__)

# Photos fetched, processed and stored at once (each mostly waits on the network; the
# pipeline's ~100 ms of CPU per photo is the rest).
MEDIA_THREADS = 4


@dataclass
class TelegramChannel:
    application: AnyApplication
    receiver: Receiver
    worker: EngineWorker
    media: MediaWorker  # photos: fetched, processed and stored, then handled
    delivery: TelegramDelivery

    def sweep(self) -> int:
        """Photos a stop or a crash left waiting fetched, then every pending update handled."""
        return sweep_all(self.media.media.sweep)


def telegram_configured(container: Container) -> bool:
    return bool(container.settings.telegram_bot_token.get_secret_value())


def telegram_webhook_mode(container: Container) -> bool:
    return (
        telegram_configured(container) and container.settings.telegram_mode is TelegramMode.WEBHOOK
    )


def build_telegram(
    host: Host,
    *,
    limits: SendLimits | None = None,
    engine_factory: Callable[[], ChatEngine] | None = None,
    threads: int = 4,
    media_threads: int = MEDIA_THREADS,
) -> TelegramChannel:
    container = host.container
    settings = container.settings
    token = settings.telegram_bot_token.get_secret_value()
    application = build_application(token, settings.telegram_api_base_url)
    bot = application.bot

    def engine_with_bot_username() -> ChatEngine:
        # Called after the bot is initialised (getMe): referral links name the bot.
        market = host.build_marketplace()
        config = dataclasses.replace(market.config, telegram_bot_username=bot.username)
        return host.build_engine(dataclasses.replace(market, config=config))

    receiver = Receiver(
        bot, container.uow_factory, bot_id_of(token), invoices=telegram_invoices(container)
    )
    worker = EngineWorker(engine_factory or engine_with_bot_username, threads=threads)
    awaiting = AwaitingMedia(
        Channel.TELEGRAM,
        MEDIA_KEY,
        container.uow_factory,
        lambda: worker.engine,
        photo_intake(container),
        TelegramFiles(lambda: build_bot(token, settings.telegram_api_base_url), container.stopping),
        stopping=container.stopping,
    )
    media = MediaWorker(awaiting, threads=media_threads)
    delivery = TelegramDelivery(
        bot,
        container.uow_factory,
        container.media_store,
        limits=limits or SendLimits(per_chat_seconds=settings.telegram_chat_window_seconds),
        payment_provider_token=settings.telegram_payment_provider_token.get_secret_value(),
    )
    return TelegramChannel(application, receiver, worker, media, delivery)


def telegram_routes(container: Container, channel: TelegramChannel) -> list[BaseRoute]:
    """`POST /webhooks/telegram` when the bot runs in webhook mode (else no route).

    Web workers (`soko web`, any number) record and handle updates; replies go out through
    the one sending process's sender (`send_telegram`: `soko scheduler`, or `soko run` in
    webhook mode), woken by the commit that queued them (PostgreSQL: through NOTIFY).
    """
    settings = container.settings
    if not telegram_webhook_mode(container):
        return []
    return [
        telegram_webhook_route(
            channel.receiver,
            channel.worker,
            channel.media,
            settings.telegram_webhook_secret.get_secret_value(),
            on_refused=container.metrics.signature_failed("telegram"),
        )
    ]


@asynccontextmanager
async def webhook_worker(container: Container, channel: TelegramChannel) -> AsyncIterator[None]:
    """The Telegram side of a web worker (`soko web` in webhook mode), for its lifespan.

    At start, in the background (webhooks are answered meanwhile): the bot is initialised
    (getMe: the engine needs its username) and updates an earlier worker recorded but did not
    handle (killed between the 200 and the engine) are handled; the engine locks each
    person's rows, so N workers starting at once are safe. The webhook and the command menus
    are not registered here but once per deploy, by `soko telegram register`. Photos are
    fetched by this worker's media worker, after the 200.
    At the end the engine's threads finish, the media worker stops (a photo still on its way
    stays awaiting, for the scheduler's sweep) and the bot's connections close."""
    starting = asyncio.create_task(_start_worker(channel))
    try:
        yield
    finally:
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await starting
        await asyncio.to_thread(channel.media.close)
        await asyncio.to_thread(channel.worker.close)
        await channel.application.bot.shutdown()


async def _start_worker(channel: TelegramChannel) -> None:
    if not await _initialise(channel.application.bot):
        return
    await sweep_left_over(channel.sweep)


async def register_webhook(bot: Bot, settings: Settings) -> str:
    """`setWebhook` as the settings say (address, secret, updates, max_connections); returns
    the address."""
    await set_webhook(
        bot,
        settings.public_base_url,
        settings.telegram_webhook_secret.get_secret_value(),
        max_connections=settings.telegram_webhook_max_connections,
    )
    return webhook_url(settings.public_base_url)


async def _initialise(bot: Bot) -> bool:
    """getMe, again with a growing pause while Telegram cannot be reached."""
    backoff = 1.0
    while True:
        try:
            await bot.initialize()
            return True
        except NetworkError as exc:
            logger.warning(
                "telegram: getMe failed (%s); again in %.0fs", type(exc).__name__, backoff
            )
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)
        except InvalidToken:  # never its message: it holds the token
            logger.error("telegram: %s", REFUSED)
            return False
        except TelegramError as exc:
            logger.error("telegram: getMe refused (%s)", type(exc).__name__)
            return False


@asynccontextmanager
async def initialised(application: AnyApplication) -> AsyncIterator[AnyApplication]:
    """`async with application` (getMe, HTTP pools), Telegram refusing the token raised as
    `TokenRefused`."""
    try:
        with refused_token_stops():
            await application.initialize()
    except BaseException:
        await application.shutdown()
        raise
    try:
        yield application
    finally:
        await application.shutdown()


async def run_telegram(
    container: Container,
    channel: TelegramChannel,
    stop: asyncio.Event,
    *,
    poll_timeout: int = POLL_TIMEOUT_SECONDS,
    grace: float = GRACE_SECONDS,
) -> None:
    """Run the channel until `stop`: commands and (webhook mode) `setWebhook` registered, a
    sweep of what an earlier run recorded but did not handle, then the poller (polling mode)
    and the sender. At `stop` the poller stops at once (Telegram sends what it had not
    recorded again), the sender hands back what it could not finish within `grace`, and
    updates recorded but not handled yet are left for the next start's sweep."""
    settings = container.settings
    bot = channel.application.bot
    async with initialised(channel.application):
        # One process: registering at each start costs two calls and spares the operator a
        # step (`soko telegram register` does the same for deployments of N workers).
        await register_commands(bot)
        if settings.telegram_mode is TelegramMode.WEBHOOK:
            await register_webhook(bot, settings)
        else:
            await bot.delete_webhook()  # getUpdates is refused while a webhook is set
        logger.info("telegram: @%s in %s mode", bot.username, settings.telegram_mode.value)
        tasks = [send_telegram(channel, stop, grace=grace)]
        if settings.telegram_mode is TelegramMode.POLLING:
            poller = LosslessPoller(
                channel.receiver, channel.worker, channel.media, poll_timeout=poll_timeout
            )
            tasks.append(poller.run(stop))
        # The sender starts at once: replies waiting from before the restart go out while
        # the sweep handles what was recorded and not handled.
        sweeping = asyncio.create_task(sweep_left_over(channel.sweep))
        try:
            await together(stop, *tasks)
        finally:
            stop.set()
            # Updates recorded and not handled yet, photos not fetched yet (and the rest of
            # the sweep) are left for the next start's sweep.
            await asyncio.to_thread(channel.media.close)
            await asyncio.to_thread(channel.worker.close, finish_queued=False)
            await sweeping


async def send_telegram(
    channel: TelegramChannel, stop: asyncio.Event, *, grace: float = GRACE_SECONDS
) -> None:
    """The sender, until `stop`: woken by every commit that queues a Telegram message (in this
    process, or another on PostgreSQL: `store/listener.py`), else looking every second; at
    `stop` it hands back what it could not finish within `grace`."""
    wake = asyncio.Event()
    loop = asyncio.get_running_loop()
    forget = outbox.on_queued(Channel.TELEGRAM, lambda: loop.call_soon_threadsafe(wake.set))
    try:
        await channel.delivery.run(wake, stop, grace=grace)
    finally:
        forget()


class TelegramPlugin(ChannelPlugin):
    """On when TELEGRAM_BOT_TOKEN is set. `soko run` polls (or takes the webhook) and sends;
    `soko web` takes the webhook in webhook mode; `soko scheduler` runs the sender."""

    name = "Telegram"
    channel = Channel.TELEGRAM
    sends = True
    capabilities = ChannelCapabilities(
        share_contact=True,
        reminds=True,
        reminder_max_age=timedelta(days=3),
        max_text=MAX_TEXT,
        max_caption=MAX_CAPTION,
    )

    @classmethod
    def enabled(cls, settings: Settings) -> bool:
        return bool(settings.telegram_bot_token.get_secret_value())

    @cached_property
    def built(self) -> TelegramChannel:
        return build_telegram(self.host)

    def routes(self) -> list[BaseRoute]:
        if not telegram_webhook_mode(self.container):
            return []
        return telegram_routes(self.container, self.built)

    def web_lifespan(self) -> Lifespan[Starlette] | None:
        if not telegram_webhook_mode(self.container):
            return None
        # Updates a killed worker recorded but did not handle are handled when one starts.
        return lambda app: webhook_worker(self.container, self.built)

    def run(self, stop: asyncio.Event) -> Running:
        return Running(
            [run_telegram(self.container, self.built, stop)],
            ChannelPasses(sweep=[self.built.sweep]),
        )

    async def scheduled(self, stack: contextlib.AsyncExitStack, stop: asyncio.Event) -> Running:
        channel = self.built
        await stack.enter_async_context(initialised(channel.application))
        stack.push_async_callback(asyncio.to_thread, channel.worker.close)
        stack.push_async_callback(asyncio.to_thread, channel.media.close)
        return Running([send_telegram(channel, stop)], ChannelPasses(sweep=[channel.sweep]))
