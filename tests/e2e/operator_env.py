"""A shop as its operator sets it up, for the end-to-end tests that run `soko` as processes: a
folder (its SQLite file, media and logs; the commands run there, so no `.env` of this checkout
is read) and an environment with only settings `.env.example` names, the APIs' base URLs at the
local fakes, and none of this machine's Soko settings."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.whatsapp.harness import ACCOUNT_SID, AUTH_TOKEN, SENDER
from tests.fakes import stripe_api
from tests.fakes.stripe_api import FakeStripe
from tests.fakes.telegram_api import TOKEN, USERNAME, FakeTelegram
from tests.fakes.telegram_api import serve as serve_telegram
from tests.fakes.twilio_api import FakeTwilio, Served

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTED = frozenset(re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
MACHINE_PREFIXES = ("SOKO_", "TELEGRAM_", "TWILIO_", "STRIPE_", "DATABASE_")


@dataclass
class Fakes:
    """Telegram and Twilio (and Stripe, if served) for a shop run as a process."""

    telegram: FakeTelegram
    telegram_url: str
    twilio: FakeTwilio
    stripe: FakeStripe | None = None
    stripe_url: str = ""

    def operator_env(self, folder: Path, *, port: int, **settings: str) -> OperatorEnv:
        """`operator_env` on these fakes."""
        return operator_env(
            folder,
            port=port,
            telegram_url=self.telegram_url,
            twilio=self.twilio,
            stripe_url=self.stripe_url,
            **settings,
        )


@contextmanager
def running_fakes(*, with_stripe: bool) -> Iterator[Fakes]:
    """Telegram and Twilio (and Stripe) served from threads of this process."""
    telegram = FakeTelegram()
    twilio = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN, serve_media_directly=True)
    with serve_telegram(telegram) as telegram_url, Served(twilio.app()) as twilio_port:
        twilio.port = twilio_port
        fakes = Fakes(telegram, telegram_url, twilio)
        if not with_stripe:
            yield fakes
            return
        fakes.stripe = FakeStripe()
        with stripe_api.serve(fakes.stripe) as fakes.stripe_url:
            yield fakes


@dataclass(frozen=True)
class OperatorEnv:
    """A shop as its operator set it up: its folder and the environment its commands get."""

    folder: Path
    variables: dict[str, str]
    port: int | None  # where `soko run` or `soko web` serves

    @property
    def url(self) -> str:
        return self.variables["PUBLIC_BASE_URL"]

    @property
    def database_url(self) -> str:
        return self.variables["DATABASE_URL"]


def operator_env(
    folder: Path,
    *,
    port: int | None = None,
    telegram_url: str = "",
    twilio: FakeTwilio | None = None,
    stripe_url: str = "",
    **settings: str,
) -> OperatorEnv:
    """A shop in `folder` (SQLite file, local media) served at `port` (else its address is
    http://shop.test), on the fake APIs given (none given: that channel is off), with
    `settings` over all that (by name: ADMIN_PHONES="…")."""
    assert set(settings) <= DOCUMENTED, f"not in .env.example: {set(settings) - DOCUMENTED}"
    shop = {
        "DATABASE_URL": f"sqlite:///{folder / 'soko.db'}",
        "MEDIA_DIR": str(folder / "media"),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}" if port else "http://shop.test",
        # The sales these shops make ship directly; a hub shop says FULFILMENT_MODE="hub".
        "FULFILMENT_MODE": "direct",
    }
    if telegram_url:
        shop["TELEGRAM_BOT_TOKEN"] = TOKEN
        shop["TELEGRAM_BOT_USERNAME"] = USERNAME
        shop["TELEGRAM_API_BASE_URL"] = telegram_url
    if twilio is not None:
        shop["TWILIO_ACCOUNT_SID"] = twilio.account_sid
        shop["TWILIO_AUTH_TOKEN"] = twilio.auth_token
        shop["TWILIO_WHATSAPP_FROM"] = SENDER
        shop["TWILIO_API_BASE_URL"] = twilio.base_url
        shop["TWILIO_TEMPLATES_FILE"] = str(folder / "twilio_templates.json")
    if stripe_url:
        shop["STRIPE_SECRET_KEY"] = stripe_api.API_KEY
        shop["STRIPE_WEBHOOK_SECRET"] = stripe_api.WEBHOOK_SECRET
        shop["STRIPE_API_BASE_URL"] = stripe_url
    machine = {
        name: value
        for name, value in os.environ.items()
        if name not in DOCUMENTED and not name.startswith(MACHINE_PREFIXES)
    }
    variables = machine | {"PYTHONPATH": str(ROOT)} | shop | settings
    return OperatorEnv(folder, variables, port)
