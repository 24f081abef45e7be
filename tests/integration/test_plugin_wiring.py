"""The plug-in list drives `soko run`, `soko web` and `soko scheduler`, and each plug-in is built
once per process: one WhatsApp channel (one Twilio client) in `soko run`, one Stripe client in
a process however many parts use Stripe, and a channel's webhook mounted only when its
settings turn it on, in every command that serves the web app."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import stripe
from pydantic import SecretStr
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

import bot.whatsapp
from bot import lifecycle
from bot.commands import run as soko_run
from bot.commands import scheduler as soko_scheduler
from bot.commands.web import combined_lifespan, web_app
from bot.container import Container
from bot.jobs import scheduled_jobs
from bot.plugin import ChannelPasses
from bot.settings import Settings
from bot.wiring import build_engine

WHATSAPP = {"twilio_account_sid": "AC" + "1" * 32, "twilio_auth_token": SecretStr("t")}
STRIPE = {"stripe_secret_key": SecretStr("sk_test_x"), "stripe_webhook_secret": SecretStr("w")}
TWILIO_WEBHOOK = "/webhooks/twilio/whatsapp"


@pytest.fixture
def make_container(sqlite_engine: Engine) -> Iterator[Callable[..., Container]]:
    made: list[Container] = []

    def make(**settings: Any) -> Container:
        url = sqlite_engine.url.render_as_string(hide_password=False)
        container = Container(
            Settings(database_url=url, public_base_url="https://shop.test", **settings)
        )
        made.append(container)
        return container

    yield make
    for container in made:
        container.close()


def counting(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[object]:
    """Count the calls of `owner.name` (still calling it)."""
    calls: list[object] = []
    real = getattr(owner, name)

    def count(*args: Any, **kwargs: Any) -> Any:
        made = real(*args, **kwargs)
        calls.append(made)
        return made

    monkeypatch.setattr(owner, name, count)
    return calls


def soko_run_app(container: Container, monkeypatch: pytest.MonkeyPatch) -> Starlette:
    """Start `soko run`'s parts in this process and stop them at once; the web app it served."""
    served: list[Starlette] = []

    async def serve_http(app: Starlette, stop: asyncio.Event, **kwargs: Any) -> None:
        served.append(app)
        stop.set()

    monkeypatch.setattr(lifecycle, "serve_http", serve_http)
    monkeypatch.setattr(soko_run, "freeze_startup_objects", lambda: None)
    monkeypatch.setattr(soko_run, "keep_freed_memory", lambda: False)
    asyncio.run(soko_run.serve(container, "127.0.0.1", 0, asyncio.Event()))
    return served[0]


def paths(app: Starlette) -> set[str]:
    return {route.path for route in app.routes if isinstance(route, Route)}


def test_soko_run_builds_one_whatsapp_channel(
    make_container: Callable[..., Container], monkeypatch: pytest.MonkeyPatch
) -> None:
    twilio_clients = counting(monkeypatch, bot.whatsapp, "make_client")

    app = soko_run_app(make_container(**WHATSAPP), monkeypatch)

    assert TWILIO_WEBHOOK in paths(app)
    assert len(twilio_clients) == 1  # the webhooks' channel is the one that sends


def test_soko_scheduler_builds_one_whatsapp_channel(
    make_container: Callable[..., Container], monkeypatch: pytest.MonkeyPatch
) -> None:
    twilio_clients = counting(monkeypatch, bot.whatsapp, "make_client")
    stop = asyncio.Event()
    stop.set()

    asyncio.run(soko_scheduler.serve(make_container(**WHATSAPP), stop))

    assert len(twilio_clients) == 1


def test_one_stripe_client_per_process(
    make_container: Callable[..., Container], monkeypatch: pytest.MonkeyPatch
) -> None:
    clients = counting(monkeypatch, stripe, "StripeClient")
    container = make_container(**STRIPE)

    web_app(container)  # the checkout pages, the webhook, the warnings at start
    build_engine(container)  # the flows' checkout
    scheduled_jobs(container, ChannelPasses())  # refunds, reconcile
    build_engine(container)  # another engine (a Telegram worker's, the emulator's)

    assert len(clients) == 1


def test_without_whatsapp_no_twilio_webhook_in_soko_run_nor_soko_web(
    make_container: Callable[..., Container], monkeypatch: pytest.MonkeyPatch
) -> None:
    twilio_clients = counting(monkeypatch, bot.whatsapp, "make_client")

    assert TWILIO_WEBHOOK not in paths(soko_run_app(make_container(), monkeypatch))
    assert TWILIO_WEBHOOK not in paths(web_app(make_container()))
    assert twilio_clients == []


def test_with_whatsapp_the_twilio_webhook_in_soko_run_and_soko_web(
    make_container: Callable[..., Container], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert TWILIO_WEBHOOK in paths(soko_run_app(make_container(**WHATSAPP), monkeypatch))
    assert TWILIO_WEBHOOK in paths(web_app(make_container(**WHATSAPP)))


def test_a_web_worker_runs_every_channel_lifespan_and_ends_them_in_reverse() -> None:
    seen: list[str] = []

    def lifespan(name: str) -> Any:
        @contextlib.asynccontextmanager
        async def run(app: Starlette) -> AsyncIterator[None]:
            seen.append(f"{name} starts")
            yield
            seen.append(f"{name} ends")

        return run

    both = combined_lifespan([lifespan("telegram"), lifespan("other")])
    assert both is not None
    with TestClient(Starlette(lifespan=both)):
        assert seen == ["telegram starts", "other starts"]
    assert seen[2:] == ["other ends", "telegram ends"]
    assert combined_lifespan([]) is None


MPESA = {
    "mpesa_consumer_key": SecretStr("key-123456"),
    "mpesa_consumer_secret": SecretStr("secret-very-1"),
    "mpesa_shortcode": "174379",
    "mpesa_passkey": SecretStr("pass-key-1"),
    "mpesa_callback_token": SecretStr("t" * 40),
}


def test_with_mpesa_its_callback_job_and_effects_are_wired_once(
    make_container: Callable[..., Container], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import mpesa_wiring
    from bot.effects import effect_kinds
    from bot.plugins import PROVIDERS, providers

    clients = counting(monkeypatch, mpesa_wiring, "DarajaClient")
    container = make_container(**MPESA)
    assert PROVIDERS[0] is mpesa_wiring.MpesaPlugin  # Kenyan shillings go to M-Pesa first
    assert [plugin.name for plugin in providers(container)] == ["mpesa"]
    assert "/webhooks/mpesa/stk/{token}" in paths(web_app(container))
    assert "/webhooks/mpesa/stk/{token}" not in paths(web_app(make_container()))
    jobs = {job.id for job in scheduled_jobs(container, ChannelPasses())}
    assert "query_mpesa_pushes" in jobs
    assert {"mpesa.stk_push", "mpesa.stk_query"} <= {kind.name for kind in effect_kinds(container)}
    assert len(clients) == 1

    without = make_container()
    assert "query_mpesa_pushes" not in {job.id for job in scheduled_jobs(without, ChannelPasses())}
    assert not [kind for kind in effect_kinds(without) if kind.name.startswith("mpesa.")]
