"""A shop run as its operator runs it, for the end-to-end tests: the fake Telegram and Twilio
(and Stripe) served, the operator's settings (the owner's number, the shop's port, and what
the test adds), `soko run` started; the people of the test join its chats. At the end each
one's chat is printed (read when the test failed) and the look at its database closed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.chat_people import Person, TelegramPerson, WhatsAppPerson
from tests.e2e.operator_env import Fakes, OperatorEnv, running_fakes
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess
from tests.fakes.serving import free_port

OWNER_NUMBER = "0711 000 001"  # ADMIN_PHONES: the owner, a community manager by her number
# The fake Telegram has no limit per chat: a chat's replies go out as soon as they are queued,
# not one a second (the fleet's test keeps Telegram's window and checks it is kept).
FAKE_CHAT_WINDOW_SECONDS = "0.1"


@dataclass
class RunningShop:
    env: OperatorEnv
    fakes: Fakes
    database: ShopDatabase
    run: SokoProcess
    people: list[Person] = field(default_factory=list)

    def on_telegram(self, name: str, telegram_id: int, language: str = "en") -> TelegramPerson:
        """Someone who writes to the shop on Telegram, her app in `language`."""
        person = TelegramPerson(name, telegram_id, self.fakes.telegram, self.database, language)
        self.people.append(person)
        return person

    def on_whatsapp(self, name: str, phone: str) -> WhatsAppPerson:
        """Someone who writes to the shop on WhatsApp from `phone`."""
        person = WhatsAppPerson(name, phone, self.fakes.twilio, self.database, self.env.url)
        self.people.append(person)
        return person


@contextmanager
def running_shop(
    folder: Path, *, with_stripe: bool = False, transcript: int = 60, **settings: str
) -> Iterator[RunningShop]:
    """The shop in `folder` with `soko run` running (stopped by SIGTERM at the end); its
    database is `folder`'s SQLite file unless `settings` give DATABASE_URL. The last
    `transcript` lines of each person's chat are printed at the end."""
    with running_fakes(with_stripe=with_stripe) as fakes:
        operator = {
            "ADMIN_PHONES": OWNER_NUMBER,
            "TELEGRAM_CHAT_WINDOW_SECONDS": FAKE_CHAT_WINDOW_SECONDS,
            **settings,
        }
        env = fakes.operator_env(folder, port=free_port(), **operator)
        database = ShopDatabase(env.database_url)
        shop = RunningShop(env, fakes, database, SokoProcess(env, "run"))
        try:
            with shop.run:
                yield shop
        finally:
            for person in shop.people:
                print("\n".join(person.transcript[-transcript:]))
            database.engine.dispose()
