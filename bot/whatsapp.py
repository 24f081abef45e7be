"""Wiring the WhatsApp channel (Twilio): webhooks, photo downloads, delivery.

On when both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set. `soko web` mounts the routes
(`whatsapp_routes`); `soko run` also starts the delivery thread (`start_whatsapp_delivery`),
which N web workers leave to one process (`soko scheduler` delivers then). The sweep of
messages a crash or a stop left behind is the scheduler's `sweep_inbox` job, and `soko run`
also sweeps once as it starts.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from starlette.routing import BaseRoute
from twilio.rest import Client

from bot.container import Container
from bot.lifecycle import GRACE_SECONDS, sweep_left_over
from bot.wiring import build_engine, photo_intake
from conversations.engine import Engine, sweep_all
from handlers.whatsapp.delivery import RateLimiter, WhatsAppDelivery
from handlers.whatsapp.media import MediaFetcher, MediaPolicy
from handlers.whatsapp.processing import WhatsAppProcessor
from handlers.whatsapp.templates import TemplateSids
from handlers.whatsapp.twilio_http import make_client
from handlers.whatsapp.webhook import STATUS_PATH, TwilioSignature, WhatsAppWebhooks


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
    settings = container.settings
    return bool(settings.twilio_account_sid and settings.twilio_auth_token.get_secret_value())


def build_whatsapp(
    container: Container,
    *,
    engine: Engine | None = None,
    media_policy: MediaPolicy | None = None,
    client: Client | None = None,
    limiter: RateLimiter | None = None,
) -> WhatsAppChannel:
    settings = container.settings
    sid, token = settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value()
    policy = media_policy or MediaPolicy.for_account(sid, settings.twilio_api_base_url)
    fetcher = MediaFetcher(policy, token)
    processor = WhatsAppProcessor(
        container.uow_factory,
        engine or build_engine(container),
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


def whatsapp_routes(container: Container) -> list[BaseRoute]:
    if not whatsapp_configured(container):
        return []
    return build_whatsapp(container).webhooks.routes()


def start_whatsapp_delivery(channel: WhatsAppChannel, stop: threading.Event) -> threading.Thread:
    """Start delivering the outbox until `stop` is set. (Messages a crash left unhandled are
    swept by the scheduler's `sweep_inbox` job.)"""
    thread = threading.Thread(
        target=channel.delivery.run, args=(stop,), name="whatsapp-delivery", daemon=True
    )
    thread.start()
    channel.threads.append(thread)
    return thread


async def run_whatsapp(
    channel: WhatsAppChannel, stop: asyncio.Event, *, grace: float = GRACE_SECONDS
) -> None:
    """For `soko run`: deliver in a thread until `stop` is set, and meanwhile sweep what an
    earlier run left (photos still to fetch, messages not handled). At `stop` the send in
    flight has `grace` seconds, and what is still claimed is handed back (a thread stuck
    waiting for Twilio is left behind: it is a daemon); the sweep hands back what it has not
    started."""
    stopping = threading.Event()
    thread = start_whatsapp_delivery(channel, stopping)
    sweeping = asyncio.create_task(sweep_left_over(lambda: sweep_all(channel.processor.sweep)))
    try:
        await stop.wait()
    finally:
        stopping.set()
        await asyncio.to_thread(channel.delivery.close, grace)
        await asyncio.to_thread(thread.join, 1.0)
        await sweeping
        channel.close()
