"""The WhatsApp channel plug-in (Twilio): webhooks, photo downloads, delivery.

On when both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set. Every process serving the web
app mounts its routes; the one sending process (`soko run`, or `soko scheduler` beside N web
workers) also runs the delivery thread (`start_whatsapp_delivery`). The sweep of
messages a crash or a stop left behind is the scheduler's `sweep_inbox` job, and `soko run`
also sweeps once as it starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import dataclass, field
from functools import cached_property

from starlette.routing import BaseRoute
from twilio.rest import Client

from bot.container import Container
from bot.intake import photo_intake
from bot.lifecycle import GRACE_SECONDS, sweep_left_over
from bot.plugin import ChannelPasses, ChannelPlugin, Host, Running
from bot.settings import Settings
from conversations import outbox
from conversations.capabilities import ChannelCapabilities
from conversations.engine import ChatEngine, sweep_all
from handlers.whatsapp.delivery import RateLimiter, WhatsAppDelivery
from handlers.whatsapp.media import MediaFetcher, MediaPolicy
from handlers.whatsapp.processing import WhatsAppProcessor
from handlers.whatsapp.render import MAX_BODY, MAX_CAPTION
from handlers.whatsapp.templates import TemplateSids
from handlers.whatsapp.twilio_http import make_client
from handlers.whatsapp.webhook import STATUS_PATH, TwilioSignature, WhatsAppWebhooks
from handlers.whatsapp.window import WHATSAPP_WINDOW
from store.models import Channel

SWEEP_BATCH = 100


@dataclass
class WhatsAppChannel:
    webhooks: WhatsAppWebhooks
    processor: WhatsAppProcessor
    delivery: WhatsAppDelivery
    fetcher: MediaFetcher
    client: Client
    threads: list[threading.Thread] = field(default_factory=list)

    def close(self) -> None:
        """Close the HTTP connection pools (photo downloads, the twilio client)."""
        self.fetcher.close()
        session = getattr(self.client.http_client, "session", None)
        if session is not None:
            session.close()


def whatsapp_configured(container: Container) -> bool:
    return WhatsAppPlugin.enabled(container.settings)


def build_whatsapp(
    host: Host,
    *,
    engine: ChatEngine | None = None,
    media_policy: MediaPolicy | None = None,
    client: Client | None = None,
    limiter: RateLimiter | None = None,
) -> WhatsAppChannel:
    container = host.container
    settings = container.settings
    sid, token = settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value()
    policy = media_policy or MediaPolicy.for_account(sid, settings.twilio_api_base_url)
    fetcher = MediaFetcher(policy, token)
    processor = WhatsAppProcessor(
        container.uow_factory,
        engine or host.build_engine(None),
        photo_intake(container),
        fetcher,
        stopping=container.stopping,
    )
    webhooks = WhatsAppWebhooks(
        TwilioSignature(token, settings.public_base_url),
        container.uow_factory,
        processor,
        on_refused=container.metrics.signature_failed("twilio"),
    )
    templates_file = settings.twilio_templates_file
    client = client or make_client(sid, token, settings.twilio_api_base_url)
    delivery = WhatsAppDelivery(
        container.uow_factory,
        client,
        sender=settings.twilio_whatsapp_from,
        status_callback=f"{settings.public_base_url}{STATUS_PATH}",
        templates=lambda: TemplateSids.load(templates_file),
        image_url=container.media_store.url,
        limiter=limiter,
    )
    return WhatsAppChannel(webhooks, processor, delivery, fetcher, client)


def start_whatsapp_delivery(
    channel: WhatsAppChannel, stop: threading.Event, *, idle_seconds: float = 1.0
) -> threading.Thread:
    """Start delivering the outbox until `stop` is set: at once when a commit queues a
    WhatsApp message (in this process, or another on PostgreSQL: `store/listener.py`), else
    every `idle_seconds`. (Messages a crash left unhandled
    are swept by the scheduler's `sweep_inbox` job.)"""
    forget = outbox.on_queued(Channel.WHATSAPP, channel.delivery.wake)

    def deliver() -> None:
        try:
            channel.delivery.run(stop, idle_seconds)
        finally:
            forget()

    thread = threading.Thread(target=deliver, name="whatsapp-delivery", daemon=True)
    thread.start()
    channel.threads.append(thread)
    return thread


async def run_whatsapp(
    channel: WhatsAppChannel,
    stop: asyncio.Event,
    *,
    grace: float = GRACE_SECONDS,
    sweep_first: bool = True,
) -> None:
    """Deliver in a thread until `stop` is set, and meanwhile (`soko run`: `sweep_first`)
    sweep what an earlier run left (photos still to fetch, messages not handled). At `stop`
    the send in flight has `grace` seconds, and what is still claimed is handed back (a
    thread stuck waiting for Twilio is left behind: it is a daemon); the sweep hands back
    what it has not started."""
    stopping = threading.Event()
    thread = start_whatsapp_delivery(channel, stopping)
    sweeping = (
        asyncio.create_task(sweep_left_over(lambda: sweep_all(channel.processor.sweep)))
        if sweep_first
        else None
    )
    try:
        await stop.wait()
    finally:
        stopping.set()
        await asyncio.to_thread(channel.delivery.close, grace)
        await asyncio.to_thread(thread.join, 1.0)
        if sweeping is not None:
            await sweeping
        channel.close()


def whatsapp_passes(channel: WhatsAppChannel) -> ChannelPasses:
    """The inbox sweep: first the photos a crash left waiting, then what is pending."""

    def sweep() -> int:
        return sweep_all(channel.processor.sweep, SWEEP_BATCH)

    return ChannelPasses(sweep=[sweep])


class WhatsAppPlugin(ChannelPlugin):
    name = "WhatsApp"
    channel = Channel.WHATSAPP
    sends = True
    capabilities = ChannelCapabilities(
        user_id_is_phone=True,
        reminds=True,
        free_write_window=WHATSAPP_WINDOW,
        typed_choices=True,
        max_text=MAX_BODY,
        max_caption=MAX_CAPTION,
    )

    @classmethod
    def enabled(cls, settings: Settings) -> bool:
        return bool(settings.twilio_account_sid and settings.twilio_auth_token.get_secret_value())

    @cached_property
    def built(self) -> WhatsAppChannel:
        return build_whatsapp(self.host)

    def routes(self) -> list[BaseRoute]:
        return self.built.webhooks.routes()

    def run(self, stop: asyncio.Event) -> Running:
        return Running([run_whatsapp(self.built, stop)], whatsapp_passes(self.built))

    async def scheduled(self, stack: contextlib.AsyncExitStack, stop: asyncio.Event) -> Running:
        # The scheduler's `sweep_inbox` job sweeps: its sender starts no sweep of its own.
        return Running(
            [run_whatsapp(self.built, stop, sweep_first=False)], whatsapp_passes(self.built)
        )
