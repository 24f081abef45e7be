"""`soko -v run` (DEBUG, the HTTP and SDK libraries' loggers on) as an operator runs it to see
what happens, with every secret set to a known value: Telegram in webhook mode with its secret,
Telegram invoices with a provider token, WhatsApp through Twilio, Stripe. Buyers on both
channels type their name and address and place orders (an invoice on Telegram, a Stripe
Checkout Session on WhatsApp). Nothing it logs holds a secret, at any level; and what people
typed is logged at DEBUG only."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.container import Container
from bot.settings import Settings
from tests.e2e.chat_people import TelegramPerson, WhatsAppPerson
from tests.e2e.operator_env import Fakes, OperatorEnv, running_fakes
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, soko, wait_until
from tests.fakes import stripe_api
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.integration.conversations.buying_support import seed_maker, seed_product

pytestmark = pytest.mark.slow

WEBHOOK_SECRET = "webhook-secret-Zq81xk"
PROVIDER_TOKEN = "284685063:TEST:provider-token-Lm42"
S3_KEY_ID, S3_SECRET = "AKIAFAKEKEYID0042", "s3-secret-access-key-Pw93"
ADDRESS = "Oranienstraße 25, 10999 Berlin"
WA_ADDRESS = "Kaiserstraße 7, 60311 Frankfurt"
RECORD_START = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ ")


class TelegramWebhook:
    """The fake Bot API, except that updates reach the shop as Telegram delivers them in
    webhook mode: posted to /webhooks/telegram with the secret header."""

    def __init__(self, fake: FakeTelegram, shop_url: str) -> None:
        self._fake = fake
        self._url = f"{shop_url}/webhooks/telegram"
        self._update_ids = iter(range(1, 10_000))

    def feed(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        posted = httpx.post(
            self._url,
            content=json.dumps({"update_id": update_id, **update}),
            headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
            },
            timeout=30,
        )
        assert posted.status_code == 200, posted.text
        return update_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fake, name)


def secrets(shop: OperatorEnv) -> dict[str, str]:
    names = (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_WEBHOOK_SECRET",
        "TELEGRAM_PAYMENT_PROVIDER_TOKEN",
        "TWILIO_AUTH_TOKEN",
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "S3_ACCESS_KEY_ID",
        "S3_SECRET_ACCESS_KEY",
    )
    found = {name: shop.variables[name] for name in names}
    # The bot's id before the colon is public; the rest of its token is the secret.
    found["TELEGRAM_BOT_TOKEN"] = TOKEN.split(":", 1)[1]
    return found


def open_shop(tmp_path: Path, fakes: Fakes) -> tuple[OperatorEnv, int]:
    shop = fakes.operator_env(
        tmp_path,
        port=free_port(),
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        TELEGRAM_PAYMENT_PROVIDER_TOKEN=PROVIDER_TOKEN,
        S3_ACCESS_KEY_ID=S3_KEY_ID,
        S3_SECRET_ACCESS_KEY=S3_SECRET,
    )
    assert soko(shop, "db", "upgrade").returncode == 0
    settings = Settings(database_url=shop.database_url, media_dir=tmp_path / "media")
    container = Container(settings)
    try:
        maker = seed_maker(container.uow_factory)
        piece = seed_product(container.uow_factory, maker, "Maasai collar", stock=2)
    finally:
        container.close()
    return shop, piece


def telegram_buyer_orders(shop: OperatorEnv, fakes: Fakes, piece: int) -> list[str]:
    webhook = TelegramWebhook(fakes.telegram, shop.url)
    database = ShopDatabase(shop.database_url)
    lena = TelegramPerson("Lena", 8301, webhook, database)  # type: ignore[arg-type]
    lena.say("hi")
    lena.tap("English")
    lena.say(f"/start p-{piece}")
    lena.tap("Buy now")
    for answer in ("1", "Lena Fischer", ADDRESS, "Germany"):
        lena.say(answer)
    return lena.tap("Place order")


def whatsapp_buyer_orders(shop: OperatorEnv, fakes: Fakes) -> list[str]:
    database = ShopDatabase(shop.database_url)
    ines = WhatsAppPerson("Ines Weber", "+4915155500011", fakes.twilio, database, shop.url)
    ines.say("Hi")
    ines.choose("English")
    ines.choose("Search")
    ines.say("collar")
    ines.say("1")
    ines.choose("Add to cart")
    ines.say("menu")
    ines.choose("My cart")
    ines.choose("Checkout")
    for answer in ("Ines Weber", WA_ADDRESS, "Germany"):
        ines.say(answer)
    return ines.choose("Place order")


def test_soko_v_run_logs_no_secret_and_no_message_above_debug(tmp_path: Path) -> None:
    with running_fakes(with_stripe=True) as fakes:
        shop, piece = open_shop(tmp_path, fakes)
        with SokoProcess(shop, "-v", "run") as run:
            telegram = fakes.telegram
            wait_until(lambda: telegram.webhook.get("secret_token") == WEBHOOK_SECRET, what="hook")
            placed = telegram_buyer_orders(shop, fakes, piece)
            assert any(
                call.params.get("provider_token") for call in fakes.telegram.calls_of("sendInvoice")
            ), placed
            whatsapp_buyer_orders(shop, fakes)
            assert fakes.stripe is not None
            body, headers = stripe_api.signed({"id": "evt_unknown", "type": "ping"})
            httpx.post(f"{shop.url}/webhooks/stripe", content=body, headers=headers)
        logged = run.logged() + run.printed()

    assert " DEBUG " in logged  # -v logs at DEBUG
    leaked = [name for name, secret in secrets(shop).items() if secret in logged]
    assert leaked == []
    above_debug = [record for record in records(logged) if record.split(" ")[2] != "DEBUG"]
    said = ("Lena Fischer", ADDRESS, "Ines Weber", WA_ADDRESS, "4915155500011")
    told = [record for record in above_debug if any(words in record for words in said)]
    assert told == []


def records(logged: str) -> list[str]:
    """Each log record (a line "DATE TIME LEVEL name: message", and the lines of its message
    or traceback that follow)."""
    found: list[str] = []
    for line in logged.splitlines():
        if RECORD_START.match(line) or not found:
            found.append(line)
        else:
            found[-1] += "\n" + line
    return found
