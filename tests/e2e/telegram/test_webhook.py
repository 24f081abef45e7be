"""Webhook mode: the secret is checked before anything else; a recorded update is answered
200 and processed after; duplicate deliveries in parallel have one effect."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select
from telegram import Update

from bot.commands.web import web_app
from bot.container import Container
from bot.routes import channel_routes
from bot.settings import TelegramMode
from bot.telegram import build_telegram, webhook_worker
from bot.web import create_app
from bot.wiring import host
from handlers.telegram.receiver import received
from store.models import InboxMessage, InboxStatus, OutboxMessage, User
from tests.e2e.soko_process import wait_until
from tests.e2e.telegram.telegram_support import (
    WEBHOOK_SECRET,
    running_bot,
    settings_for,
)
from tests.fakes.serving import serve_app
from tests.fakes.telegram_api import FakeTelegram, tap, text, user

HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def webhook_container(
    sqlite_engine: Engine, tmp_path: Path, telegram_server: tuple[FakeTelegram, str]
) -> Iterator[Container]:
    _, url = telegram_server
    database_url = sqlite_engine.url.render_as_string(hide_password=False)
    container = Container(settings_for(database_url, tmp_path / "media", url, TelegramMode.WEBHOOK))
    yield container
    container.close()


@pytest.fixture
def web(webhook_container: Container) -> Iterator[str]:
    with serve_app(web_app(webhook_container)) as url:  # as `soko web` serves it
        yield url


def count(container: Container, model: type) -> int:
    with container.uow_factory(read_only=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def post(url: str, body: dict[str, object], secret: str | None = WEBHOOK_SECRET) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[HEADER] = secret
    response = httpx.post(
        f"{url}/webhooks/telegram", content=json.dumps(body), headers=headers, timeout=30
    )
    return response.status_code


@pytest.mark.usefixtures("fake_telegram")
def test_forged_webhook_requests_are_refused_and_write_nothing(
    webhook_container: Container, web: str
) -> None:
    update = {"update_id": 1, **text(user(77), "hello")}
    assert post(web, update, secret=None) == 401
    assert post(web, update, secret="guess") == 403
    assert post(web, update, secret=WEBHOOK_SECRET + "x") == 403
    assert post(web, update, secret="") == 403
    assert count(webhook_container, InboxMessage) == 0
    assert count(webhook_container, User) == 0


@pytest.mark.usefixtures("fake_telegram")
def test_a_garbled_body_with_the_right_secret_is_a_bad_request(web: str) -> None:
    response = httpx.post(
        f"{web}/webhooks/telegram", content=b"{not json", headers={HEADER: WEBHOOK_SECRET}
    )
    assert response.status_code == 400


@pytest.mark.usefixtures("fake_telegram")
@pytest.mark.parametrize(
    "body", ["[1, 2]", "7", '"hello"', "null", '{"update_id": 9, "message": 5}']
)
def test_a_body_that_is_not_an_update_object_is_a_bad_request(
    webhook_container: Container, web: str, body: str
) -> None:
    response = httpx.post(
        f"{web}/webhooks/telegram",
        content=body.encode(),
        headers={HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400
    assert count(webhook_container, InboxMessage) == 0


def test_duplicate_deliveries_in_parallel_have_one_effect(
    webhook_container: Container, web: str, fake_telegram: FakeTelegram
) -> None:
    updates = [{"update_id": 5000 + n, **text(user(900 + n), "hello")} for n in range(20)]
    deliveries = [u for u in updates for _ in range(3)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda u: post(web, u), deliveries))
    assert statuses == [200] * 60
    assert count(webhook_container, InboxMessage) == 20

    def processed() -> bool:
        with webhook_container.uow_factory(read_only=True) as uow:
            rows = uow.session.execute(select(OutboxMessage.status)).scalars().all()
        return len(rows) >= 20 and all(status.value == "sent" for status in rows)

    with running_bot(webhook_container):  # the sender of `soko run` in webhook mode
        wait_until(processed, 30, "every reply sent")
    outbox_rows = count(webhook_container, OutboxMessage)
    sends = [c for n in range(20) for c in fake_telegram.sent_to(900 + n)]
    assert len(sends) == outbox_rows  # each reply once: no update handled twice
    assert count(webhook_container, User) == 20


@pytest.mark.usefixtures("fake_telegram")
def test_a_tapped_button_is_answered_in_the_webhook_response(
    webhook_container: Container, web: str
) -> None:
    update = {"update_id": 6001, **tap(user(78), "lang:sw")}
    response = httpx.post(
        f"{web}/webhooks/telegram", json=update, headers={HEADER: WEBHOOK_SECRET}, timeout=30
    )
    assert response.status_code == 200
    query_id = update["callback_query"]["id"]  # type: ignore[index]
    assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": query_id}
    assert count(webhook_container, InboxMessage) == 1


def test_webhook_mode_registers_the_webhook_with_its_secret_and_the_commands(
    webhook_container: Container, fake_telegram: FakeTelegram
) -> None:
    with running_bot(webhook_container):
        wait_until(lambda: bool(fake_telegram.webhook), what="setWebhook")
    hook = fake_telegram.webhook
    assert hook["url"] == "http://shop.test/webhooks/telegram"
    assert hook["secret_token"] == WEBHOOK_SECRET
    assert hook["allowed_updates"] == ["message", "callback_query", "pre_checkout_query"]
    assert hook["max_connections"] == "40"  # TELEGRAM_WEBHOOK_MAX_CONNECTIONS's default
    assert [(c["command"], c["description"]) for c in fake_telegram.commands[""]] == [
        ("menu", "Main menu"),
        ("help", "How this works"),
        ("language", "Change language"),
        ("phone", "Share your phone number"),
        ("cancel", "Stop what we are doing"),
    ]
    assert [(c["command"], c["description"]) for c in fake_telegram.commands["sw"]] == [
        ("menu", "Menyu kuu"),
        ("help", "Msaada"),
        ("language", "Badilisha lugha"),
        ("phone", "Tuma namba yako ya simu"),
        ("cancel", "Ghairi tunachofanya"),
    ]
    assert sorted(fake_telegram.commands) == ["", "sw"]
    assert not fake_telegram.calls_of("getUpdates")


def handled(container: Container) -> int:
    with container.uow_factory(read_only=True) as uow:
        statuses = uow.session.execute(select(InboxMessage.status)).scalars().all()
    return sum(status is InboxStatus.HANDLED for status in statuses)


@pytest.mark.usefixtures("fake_telegram")
def test_a_web_worker_handles_what_it_records_without_soko_run(
    webhook_container: Container, web: str
) -> None:
    """The engine needs the bot's username (getMe): a web worker's bot gets it on first use."""
    assert post(web, {"update_id": 7001, **text(user(79), "hello")}) == 200
    wait_until(lambda: handled(webhook_container) == 1, 20, "the update handled")
    assert count(webhook_container, OutboxMessage) >= 1


def test_a_starting_web_worker_handles_what_a_killed_one_recorded_and_registers_nothing(
    webhook_container: Container, fake_telegram: FakeTelegram
) -> None:
    """N workers would each register the webhook again: `soko telegram register` does it,
    once per deploy."""
    receiver = build_telegram(host(webhook_container)).receiver
    incoming = receiver.read(Update.de_json({"update_id": 7002, **text(user(80), "hi")}, None))
    assert incoming is not None
    receiver.record([received(incoming)])  # recorded, never handled
    assert handled(webhook_container) == 0
    channel = build_telegram(host(webhook_container))
    routes = channel_routes(webhook_container, channel)
    app = create_app(
        webhook_container, routes, lambda app: webhook_worker(webhook_container, channel)
    )
    with serve_app(app):
        wait_until(lambda: handled(webhook_container) == 1, 20, "the update handled at start")
    assert fake_telegram.calls_of("getMe")
    assert not fake_telegram.calls_of("setWebhook")
    assert not fake_telegram.calls_of("setMyCommands")
