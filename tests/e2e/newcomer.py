"""A Swahili newcomer's first run, for the end-to-end tests on each channel: a shop from zero
with a mentor made as people make one (a seller opens her shop on Telegram, the owner makes her
a mentor from WhatsApp), then the newcomer follows the mentor's link or code to "sent for
review". What she sends is counted (an album counts once), and every reply she gets is checked
for English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from conversations.i18n import Translator, read_catalog
from tests.e2e.chat_people import Person, TelegramPerson, WhatsAppPerson
from tests.e2e.operator_env import Fakes, OperatorEnv
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess
from tests.fakes.serving import free_port

SW = Translator("sw")
OWNER_PHONE = "+254711000001"
MENTOR_PHONE = "+254722000002"
CAPTION = "Mkufu wa shaba, Sh. 1,500/="
# Telegram's limits on how many messages she may send (an album counts once).
MOST_ON_TELEGRAM = 10
MOST_ON_WHATSAPP = 12


@dataclass
class Shop:
    env: OperatorEnv
    database: ShopDatabase
    run: SokoProcess
    mentor: TelegramPerson
    code: str  # the mentor's code, as her invitation shows it: "KQM-XAB"


@contextmanager
def shop_with_a_mentor(tmp_path: Path, fakes: Fakes) -> Iterator[Shop]:
    """`soko run` on a fresh folder with only the operator's settings, and Amina made a
    mentor in the chat."""
    env = fakes.operator_env(tmp_path, port=free_port(), ADMIN_PHONES="0711 000 001")
    database = ShopDatabase(env.database_url)
    owner = WhatsAppPerson("Grace", OWNER_PHONE, fakes.twilio, database, env.url)
    amina = TelegramPerson("Amina Otieno", 5002, fakes.telegram, database, "sw")
    with SokoProcess(env, "run") as run:
        amina.say("/start")
        amina.tap("Kiswahili")
        amina.tap(SW._("Sell your jewelry"))
        amina.say("Shanga za Amina")
        amina.say("Kibera, Nairobi")
        amina.share_own_contact(MENTOR_PHONE.removeprefix("+"))
        amina.tap(SW._("Yes, open my shop"))
        owner.say("Hi")
        owner.say("menu")
        owner.choose("People")
        owner.say("Shanga za Amina")
        owner.choose("Make mentor")
        told = amina.told("Msimbo wako wa mwaliko")
        [code] = re.findall(r"Msimbo wako wa mwaliko: (\w{3}-\w{3})", "\n".join(told))
        yield Shop(env, database, run, amina, code)


def messages_sent(person: Person, album_updates: int) -> int:
    """What she sent, an album of `album_updates` photos counted once."""
    return person.sent - (album_updates - 1)


@cache
def _english_lines() -> tuple[re.Pattern[str], ...]:
    """Each line of the English messages that Swahili says otherwise, as a pattern (its
    placeholders match anything); lines with too few letters of their own to tell are left."""
    catalog = read_catalog("sw")
    english: set[str] = set()
    swahili: set[str] = set()
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or not message.string:
            continue
        english.update(message.id.splitlines())
        swahili.update(str(message.string).splitlines())
    patterns = []
    for line in sorted(english - swahili):
        literal = re.sub(r"\{\w*\}", "", line)
        if len(re.findall(r"[A-Za-z]", literal)) < 4:
            continue
        parts = re.split(r"\{\w*\}", line)
        patterns.append(re.compile(".+".join(re.escape(part) for part in parts)))
    return tuple(patterns)


def english_in(replies: list[str]) -> list[str]:
    """The lines of `replies` that are English messages of ours (buttons too: "[Label]",
    "1. Label")."""
    found = []
    for reply in replies:
        for line in reply.splitlines():
            bare = re.sub(r"^\[photo\] |^\[|\]$|^\d+\. ", "", line.strip())
            if any(pattern.fullmatch(bare) for pattern in _english_lines()):
                found.append(line)
    return found


def her_replies(person: Person) -> list[str]:
    """Everything the shop sent her, from her transcript."""
    return [line for line in person.transcript if not line.startswith(f"{person.name} >")]


def listed_piece(database: ShopDatabase, shop_name: str) -> dict[str, object]:
    """Her piece and her shop, as the database holds them."""
    [row] = database.query(
        "SELECT p.title, p.price_minor, p.category, p.materials, p.material_codes, p.status,"
        " p.stock_on_hand,"
        " a.mentor_id, (SELECT m.shop_name FROM artisans m WHERE m.id = a.mentor_id) AS mentor"
        " FROM products p JOIN artisans a ON a.id = p.artisan_id WHERE a.shop_name = :shop",
        shop=shop_name,
    )
    return dict(row._mapping)
