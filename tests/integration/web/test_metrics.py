"""`GET /metrics`: Prometheus text that prometheus-client's own parser reads back, with the
database's figures read at scrape time and this worker's engine latency and refused webhooks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from bot.container import Container
from bot.intake import photo_intake
from bot.routes import channel_routes
from bot.settings import Settings, TelegramMode
from bot.web import create_app
from bot.wiring import build_engine
from conversations import outbox
from conversations.messages import Outbound
from handlers.console.channel import ConsoleChannel
from store.models import Channel, OrderStatus, OutboxMessage
from tests.factories import make_artisan, make_paid_order, make_product, make_user
from tests.integration.web.conftest import BASE_URL, make_container

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def test_database_figures_and_engine_latency(container: Container, client: TestClient) -> None:
    with container.uow_factory() as uow:
        artisan = make_artisan(uow.session)
        piece = make_product(uow.session, artisan)
        make_paid_order(uow.session, make_user(uow.session), [(piece, 1)])
        uow.commit()
    console = ConsoleChannel(
        build_engine(container),
        container.uow_factory,
        photo_intake(container),
        person="amina",
        write=lambda _line: None,
    )
    console.send("hello")
    console.send("menu")

    samples = scrape(client)

    assert value(samples, "soko_database_up") == 1
    assert value(samples, "soko_inbox_updates", channel="console", status="handled") == 2
    assert value(samples, "soko_orders", status=OrderStatus.PAID.value) == 1
    with container.uow_factory(read_only=True) as uow:
        outbox_rows = uow.session.scalar(select(func.count()).select_from(OutboxMessage))
    outbox_total = sum(v for (name, _), v in samples.items() if name == "soko_outbox_messages")
    assert outbox_total == outbox_rows
    assert outbox_rows
    assert ("soko_outbox_messages", (("status", "failed"),)) in samples
    assert value(samples, "soko_outbox_oldest_pending_seconds") >= 0
    assert value(samples, "soko_update_handle_seconds_count", outcome="handled") == 2
    assert value(samples, "soko_update_handle_seconds_sum", outcome="handled") > 0
    for provider in ("telegram", "twilio", "stripe", "mpesa"):
        assert value(samples, "soko_webhook_signature_failures_total", provider=provider) == 0


def test_the_oldest_pending_age_counts_only_messages_that_are_due(
    container: Container, client: TestClient
) -> None:
    now = datetime.now(UTC)
    assert value(scrape(client), "soko_outbox_oldest_pending_seconds") == 0  # none waits
    assert value(scrape(client), "soko_outbox_oldest_unsent_seconds") == 0
    with container.uow_factory() as uow:
        amina = make_user(uow.session)
        for created, due in ((now - timedelta(hours=1), now + timedelta(hours=1)), (now, None)):
            outbox.enqueue(
                uow.session,
                amina.id,
                Channel.TELEGRAM,
                "4242",
                Outbound(text="Asante!"),
                now=created,
                due=due,
            )
        uow.commit()

    oldest = value(scrape(client), "soko_outbox_oldest_pending_seconds")

    # The hour-old message waits out a retry's backoff: nothing is late but the newer one.
    assert 0 <= oldest < 3600
    # Yet it has not left for an hour: the platform keeps refusing it, or cannot be reached.
    assert value(scrape(client), "soko_outbox_oldest_unsent_seconds") >= 3600


def test_each_app_has_its_own_registry(engine: Engine, tmp_path: Path) -> None:
    first = make_container(engine, tmp_path / "one")
    second = make_container(engine, tmp_path / "two")
    first.metrics.signature_failed("stripe")()
    with TestClient(create_app(first)) as one, TestClient(create_app(second)) as two:
        failures = "soko_webhook_signature_failures_total"
        assert value(scrape(one), failures, provider="stripe") == 1
        assert value(scrape(two), failures, provider="stripe") == 0
    first.close()
    second.close()


def test_metrics_still_answer_when_the_database_is_down(tmp_path: Path) -> None:
    container = Container(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url="postgresql+psycopg://soko@127.0.0.1:9/soko",
            media_dir=tmp_path / "media",
        )
    )
    with TestClient(create_app(container)) as client:
        samples = scrape(client)
    assert value(samples, "soko_database_up") == 0
    assert ("soko_orders", (("status", "paid"),)) not in samples
    container.close()


def test_with_a_metrics_token_only_its_bearer_is_answered(engine: Engine, tmp_path: Path) -> None:
    token = "scrape-Token_1"
    container = make_container(engine, tmp_path / "media", metrics_token=SecretStr(token))
    with TestClient(create_app(container), base_url=BASE_URL) as client:
        refused = [
            client.get("/metrics", headers=headers)
            for headers in (
                {},
                {"Authorization": "Bearer wrong"},
                {"Authorization": f"Bearer {token}x"},
                {"Authorization": f"Basic {token}"},
                {"Authorization": token},
            )
        ]
        answered = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        health = client.get("/healthz")
    assert [r.status_code for r in refused] == [401] * 5
    assert refused[0].headers["www-authenticate"] == "Bearer"
    assert all("soko_" not in r.text for r in refused)
    assert answered.status_code == 200
    assert "soko_database_up 1.0" in answered.text
    assert health.status_code == 200  # health checks need no token
    container.close()


# --- webhook signature failures ---------------------------------------------------------------


@pytest.fixture
def webhooks(sqlite_engine: Engine, tmp_path: Path) -> Iterator[tuple[Container, TestClient]]:
    container = make_container(
        sqlite_engine,
        tmp_path / "media",
        telegram_bot_token=SecretStr("123456:TEST-token"),
        telegram_mode=TelegramMode.WEBHOOK,
        telegram_webhook_secret=SecretStr("telegram-secret-0123"),
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=SecretStr("twilio-token"),
        stripe_secret_key=SecretStr("sk_test_x"),
        stripe_webhook_secret=SecretStr("whsec_test"),
    )
    app = create_app(container, channel_routes(container))
    with TestClient(app, base_url=BASE_URL) as client:
        yield container, client
    container.close()


def test_forged_webhooks_are_counted_by_provider(webhooks: tuple[Container, TestClient]) -> None:
    _, client = webhooks
    failures = "soko_webhook_signature_failures_total"

    assert client.post("/webhooks/telegram", json={"update_id": 1}).status_code == 401
    wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
    assert (
        client.post("/webhooks/telegram", json={"update_id": 1}, headers=wrong).status_code == 403
    )
    form = {"From": "whatsapp:+254700000001", "Body": "hi", "MessageSid": "SM1"}
    forged = {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}
    assert client.post("/webhooks/twilio/whatsapp", data=form, headers=forged).status_code == 403
    assert client.post("/webhooks/twilio/status", data=form).status_code == 403
    stripe_forged = {"Stripe-Signature": "t=1,v1=00"}
    assert client.post("/webhooks/stripe", content=b"{}", headers=stripe_forged).status_code == 400

    samples = scrape(client)
    assert value(samples, failures, provider="telegram") == 2
    assert value(samples, failures, provider="twilio") == 2
    assert value(samples, failures, provider="stripe") == 1


def test_healthz_is_unhealthy_when_the_sqlite_file_cannot_be_opened(tmp_path: Path) -> None:
    gone = tmp_path / "removed" / "soko.db"  # its folder does not exist
    container = Container(
        Settings(_env_file=None, database_url=f"sqlite:///{gone}", media_dir=tmp_path)  # type: ignore[call-arg]
    )
    with TestClient(create_app(container)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    container.close()
