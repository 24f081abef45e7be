"""The ASGI web app: the public pages, webhooks, media, health and metrics. Stateless, so N
workers can run behind a load balancer (`soko web`); the plug-ins on add their routes
(`bot.routes`)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Lifespan

from bot.container import Container
from bot.health import Readiness, healthz_endpoint, livez, readyz_endpoint
from bot.wiring import channel_plugins, payment_provider
from handlers.web.checkout_pages import checkout_page_routes
from handlers.web.demo_pay import demo_pay_routes
from handlers.web.hosts import TrustedHosts, trusted_hosts
from handlers.web.media import media_routes
from handlers.web.pages import page_routes
from handlers.web.pages_render import Pages, SiteConfig
from store.models.types import utcnow


def create_app(
    container: Container,
    extra_routes: Sequence[BaseRoute] = (),
    lifespan: Lifespan[Starlette] | None = None,
) -> Starlette:
    pages = build_pages(container)
    readiness = Readiness()
    senders = [channel.channel.value for channel in channel_plugins(container) if channel.sends]
    routes: list[BaseRoute] = [
        Route("/livez", livez, methods=["GET"]),
        Route("/readyz", readyz_endpoint(container.engine, readiness), methods=["GET"]),
        Route(
            "/healthz",
            healthz_endpoint(container.uow_factory, senders=senders),
            methods=["GET"],
        ),
        Route("/metrics", metrics_endpoint(container), methods=["GET"]),
        *media_routes(container.media_store),
        *page_routes(container.uow_factory, pages),
        *checkout_page_routes(container.uow_factory, pages),
        *demo_pay_routes(container.uow_factory, pages, payment_provider(container), utcnow),
        *extra_routes,
    ]
    settings = container.settings
    hosts = trusted_hosts(settings.public_base_url, settings.allowed_hosts)
    return Starlette(
        routes=routes,
        lifespan=ready_after(lifespan, readiness),
        middleware=[Middleware(TrustedHosts, hosts=hosts)],
    )


def ready_after(lifespan: Lifespan[Starlette] | None, readiness: Readiness) -> Lifespan[Starlette]:
    """`lifespan` (the channels' start: Telegram's application in webhook mode), after which
    /readyz may say ready."""

    @contextlib.asynccontextmanager
    async def started(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if lifespan is not None:
                await stack.enter_async_context(lifespan(app))
            readiness.channels = True
            try:
                yield
            finally:
                readiness.channels = False
                readiness.waiting_for = "stopping"

    return started


def build_pages(container: Container) -> Pages:
    settings = container.settings
    return Pages(
        SiteConfig(
            public_base_url=settings.public_base_url,
            pricing=container.pricing,
            media=container.media_store,
            telegram_bot_username=container.telegram_bot_username,
            whatsapp_number=settings.twilio_whatsapp_from.removeprefix("whatsapp:"),
            default_locale=settings.default_locale,
            timezone=settings.artisan_timezone,
        )
    )


def metrics_endpoint(container: Container) -> Callable[[Request], Awaitable[Response]]:
    """`GET /metrics`; with `METRICS_TOKEN` set, only for "Authorization: Bearer <it>"
    (401 otherwise)."""
    metrics = container.metrics
    token = container.settings.metrics_token.get_secret_value()

    async def serve_metrics(request: Request) -> Response:
        if token and not _bearer_is(request, token):
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        accept = request.headers.get("accept", "")
        body, content_type = await run_in_threadpool(metrics.exposition, accept)  # reads the DB
        return Response(body, headers={"Content-Type": content_type, "Cache-Control": "no-store"})

    return serve_metrics


def _bearer_is(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and secrets.compare_digest(
        given.strip().encode(), token.encode()
    )
