"""From zero to a sale, as the people of a real shop walk it.

A fresh, empty database and only the settings an operator sets (`.env.example`'s names; the
APIs' base URLs point at the local fakes). `soko run` runs as a process of its own; people
only write, tap, share their contact and send photos on Telegram and WhatsApp, Stripe sends
its signed event, and the operator runs documented `soko` commands. Nothing is set up through
services or SQL: the test reads the database only to wait for the shop's answers.

- The owner (in ADMIN_PHONES) is a community manager by her number on both channels, and is
  one person across them.
- She makes a seller a mentor in chat ("People"); one recruit joins through the mentor's
  Telegram link, another by typing "JIUNGE <code>" on WhatsApp, each answered in Swahili
  from the first reply; both list a piece, and the owner approves them.
- A buyer on both channels (the same number) is one person; she pays through Stripe
  Checkout; the artisan ships; the owner records the payout while she uses WhatsApp.
- `soko run` is stopped (SIGTERM) and restarted in the middle: nothing is lost or repeated.

Without Stripe, the same shop offers no demo card, and nothing is ever marked paid.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest

from conversations.i18n import Translator
from store.demo.pictures import draw_piece
from store.models import Category
from tests.e2e.chat_people import Person, TelegramPerson, WhatsAppPerson
from tests.e2e.operator_env import Fakes, OperatorEnv
from tests.e2e.running_shop import RunningShop, running_shop
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import STOP_SECONDS, SokoProcess, soko
from tests.fakes import stripe_api

pytestmark = pytest.mark.slow

OWNER_PHONE = "+254711000001"
MENTOR_PHONE = "+254722000002"
WANJIRU_PHONE = "+254733000003"
AKINYI_PHONE = "+254744000004"
LENA_PHONE = "+4915112345678"
EN, SW = Translator("en"), Translator("sw")
RESTART_TO_REPLY: list[float] = []  # seconds, for the closing note


@dataclass
class People:
    owner_wa: WhatsAppPerson
    owner_tg: TelegramPerson
    amina: TelegramPerson  # opens her shop alone, then becomes a mentor
    wanjiru: TelegramPerson  # joins by the mentor's Telegram link
    akinyi: WhatsAppPerson  # joins by typing "JIUNGE <code>"
    lena_wa: WhatsAppPerson  # a buyer in Berlin, on both channels
    lena_tg: TelegramPerson

    def all(self) -> list[Person]:
        return [
            self.owner_wa,
            self.owner_tg,
            self.amina,
            self.wanjiru,
            self.akinyi,
            self.lena_wa,
            self.lena_tg,
        ]


def people_of(shop: RunningShop) -> People:
    return People(
        owner_wa=shop.on_whatsapp("Grace Mutua", OWNER_PHONE),
        owner_tg=shop.on_telegram("Grace Mutua", 5001, "en"),
        amina=shop.on_telegram("Amina Otieno", 5002, "sw"),
        wanjiru=shop.on_telegram("Wanjiru", 5003, "sw"),
        akinyi=shop.on_whatsapp("Akinyi", AKINYI_PHONE),
        lena_wa=shop.on_whatsapp("Lena Fischer", LENA_PHONE),
        lena_tg=shop.on_telegram("Lena Fischer", 5004, "de"),
    )


def has(answers: list[str], words: str) -> bool:
    return any(words in answer for answer in answers)


def open_shop_on_telegram(seller: TelegramPerson, shop_name: str, phone: str) -> list[str]:
    seller.say(shop_name)  # her name is her app's
    seller.say("Kibera, Nairobi")
    seller.share_own_contact(phone.removeprefix("+"))  # her M-Pesa number, and her own
    return seller.tap(SW._("Yes, open my shop"))


def list_a_necklace(seller: Person, title: str, price: str, seed: int) -> list[str]:
    """The same steps on either channel: buttons on Telegram, numbered choices on WhatsApp.
    Her name for it ("Mkufu wa shaba") says its kind and material: the card comes next."""
    pictures = [draw_piece(Category.NECKLACE, seed=seed + n) for n in range(2)]
    seller.send_photos(pictures)
    card = seller.say(f"{title} {price}")
    assert has(card, SW._("Category: {category}").format(category=SW._("Necklace"))), card
    return seller.choose(SW._("Submit for review"))


def owner_arrives(people: People) -> None:
    # On WhatsApp, by the number she writes from.
    first = people.owner_wa.say("Hi")
    assert first[0].startswith(EN._("Welcome to Soko! Buy and sell handmade jewelry."))
    menu = people.owner_wa.say("menu")
    assert has(menu, EN._("Review listings"))
    assert has(menu, EN._("People"))
    # On Telegram, once she shares her own contact: the same person, the same roles.
    people.owner_tg.say("/start")
    linked = people.owner_tg.share_own_contact(OWNER_PHONE.removeprefix("+"))
    assert has(linked, EN._("Review listings"))
    assert has(linked, EN._("People"))


def owner_appoints_mentor(people: People) -> str:
    """Amina opens her shop without a code (independent), then the owner makes her a mentor
    from WhatsApp; Amina receives her invitation code and links on Telegram."""
    welcome = people.amina.say("/start")
    assert welcome[0].startswith(SW._("Welcome to Soko! Buy and sell handmade jewelry."))
    people.amina.tap("Kiswahili")
    people.amina.tap(SW._("Sell your jewelry"))
    opened = open_shop_on_telegram(people.amina, "Shanga za Amina", MENTOR_PHONE)
    assert has(opened, SW._("Congratulations! Your shop {shop} is open.").split("{")[0])

    people.owner_wa.choose(EN._("People"))
    card = people.owner_wa.say("Shanga za Amina")
    assert has(card, "Amina Otieno\n"), card
    assert has(card, "Shop: Shanga za Amina, Kibera, Nairobi"), card
    made = people.owner_wa.choose(EN._("Make mentor"))
    assert made[0] == "Amina Otieno is now a mentor; she has been told.", made
    told = people.amina.unread()
    assert has(told, "Sasa wewe ni mlezi kwenye Soko!"), told  # in her language
    links = [link for link in people.amina.links() if "start=ref-" in link]
    assert links, told
    code = links[-1].rsplit("ref-", 1)[1]
    assert has(told, f"Msimbo wako wa mwaliko: {code[:3]}-{code[3:]}"), told
    return code


def recruits_join_and_list(people: People, code: str) -> None:
    # Wanjiru opens the mentor's Telegram link (her phone speaks Swahili).
    # Her app speaks Swahili: not asked which language, straight on to her shop.
    started = people.wanjiru.say(f"/start ref-{code}")
    assert started[0].startswith(SW._("Welcome to Soko! Buy and sell handmade jewelry."))
    assert has(started, "Tufungue duka lako kwenye Soko!")
    assert has(started, f"Msimbo wa mlezi wako: {code[:3]}-{code[3:]}.")
    open_shop_on_telegram(people.wanjiru, "Vito vya Wanjiru", WANJIRU_PHONE)
    assert has(people.amina.unread(), "Wanjiru")  # her mentor is told
    submitted = list_a_necklace(people.wanjiru, "Mkufu wa shaba", "1500", seed=11)
    assert has(submitted, "Asante! Msimamizi wa jamii ataikagua")

    # Akinyi types on WhatsApp the code as her mentor read it to her: spaced, no hyphen.
    welcome = people.akinyi.say(f"jiunge {code[:3].lower()} {code[3:].lower()}")
    assert welcome[0].startswith(SW._("Welcome to Soko! Buy and sell handmade jewelry."))
    people.akinyi.say("Pembe za Akinyi")
    people.akinyi.say("Kisumu")
    people.akinyi.choose(SW._("Use {phone}").format(phone="0744 000004"))
    people.akinyi.choose(SW._("Yes, open my shop"))
    assert has(people.amina.unread(), "Akinyi")
    submitted = list_a_necklace(people.akinyi, "Mkufu wa pembe", "2000", seed=21)
    assert has(submitted, "Asante! Msimamizi wa jamii ataikagua")


def owner_approves(people: People) -> None:
    people.owner_tg.say("menu")
    people.owner_tg.tap(EN._("Review listings"))
    for _ in range(2):
        approved = people.owner_tg.tap(EN._("Approve"))
        assert has(approved, "Approved: "), approved
    assert has(people.wanjiru.unread(), "Mkufu wa shaba")
    assert has(people.akinyi.unread(), "Mkufu wa pembe")


def buyer_orders(run: SokoProcess, database: ShopDatabase, people: People) -> list[str]:
    """Lena arrives on WhatsApp, then on Telegram (sharing her contact), finds the piece and
    places an order on Telegram, while the operator restarts the shop under her; returns
    what the bot answered the order."""
    people.lena_wa.say("Hello")
    people.lena_tg.say("/start")
    people.lena_tg.tap("English")
    people.lena_tg.share_own_contact(LENA_PHONE.removeprefix("+"))
    people.lena_tg.tap(EN._("Search"))
    found = people.lena_tg.say("shaba")
    assert has(found, "Mkufu wa shaba"), found
    people.lena_tg.say("1")
    people.lena_tg.tap(EN._("Add to cart"))
    people.lena_tg.tap(EN._("Checkout"))
    people.lena_tg.say("Lena Fischer")
    restart_mid_message(run, database, people.lena_tg, "Oranienstraße 25, 10999 Berlin")
    people.lena_tg.say("Germany")
    return people.lena_tg.tap(EN._("Place order"))


def restart_mid_message(
    run: SokoProcess, database: ShopDatabase, person: TelegramPerson, words: str
) -> None:
    """The operator stops the shop (SIGTERM, as systemd or `docker stop` do) while a message
    is on its way, and starts it again: the message is answered once, and soon."""
    asked = "Which country? Type its name, like Germany, or its code, like DE."
    person.say_and_go(words)
    stopped = run.stop(signal.SIGTERM)
    assert stopped.status == 0, run.log_tail()
    assert stopped.seconds < STOP_SECONDS
    assert database.counts()["claimed"] == 0  # every claim handed back
    run.start()
    person.told(asked)
    RESTART_TO_REPLY.append(time.monotonic() - run.started_at)
    assert sum(asked in message for message in person.transcript) == 1  # not lost, not repeated


def stripe_pays(shop: OperatorEnv, fakes: Fakes, people: People) -> str:
    assert fakes.stripe is not None
    link = next(link for link in reversed(people.lena_tg.links()) if "checkout.stripe" in link)
    session_id = link.rsplit("/", 1)[1]
    event = fakes.stripe.pay(session_id)
    body, headers = stripe_api.signed(event)
    response = httpx.post(f"{shop.url}/webhooks/stripe", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return session_id


def artisan_ships(people: People, order_code: str) -> None:
    """Wanjiru ships from the new-order notice (this shop ships directly): three taps, as she
    has no tracking number."""
    taps = people.wanjiru.taps
    people.wanjiru.tap(SW._("Accept"))
    people.wanjiru.tap(SW._("Mark shipped"))
    shipped = people.wanjiru.tap(SW._("No tracking number"))
    assert people.wanjiru.taps - taps == 3
    assert has(shipped, SW._("Shipped: {title}. We have told the buyer. Thank you!").split(":")[0])


def owner_pays_out(shop: OperatorEnv, people: People) -> None:
    """The owner sends Wanjiru her share by M-Pesa and records it, named by the number she
    uses on WhatsApp."""
    owed = soko(shop, "admin", "payouts")
    assert owed.returncode == 0, owed.stderr
    [line] = [line for line in owed.stdout.splitlines() if "Vito vya Wanjiru" in line]
    slug, amount = line.split()[0], line.split()[1]
    assert amount == "1500.00"
    assert "0733 000003" in line  # her M-Pesa number, as she writes it
    recorded = soko(
        shop, "admin", "payouts", "--record", slug, amount, "SFG7XK2PQ1", "--by", "0711 000 001"
    )
    assert recorded.returncode == 0, recorded.stderr
    assert has(people.wanjiru.told("SFG7XK2PQ1"), "1,500")
    assert "Vito vya Wanjiru" not in soko(shop, "admin", "payouts").stdout


def print_counts(people: People) -> None:
    """What each person sent, and how soon the shop answered after its restart."""
    sent: dict[str, int] = {}
    for person in people.all():
        sent[person.name] = sent.get(person.name, 0) + person.sent
    print("messages sent:", json.dumps(sent, ensure_ascii=False))
    print("restart to first reply (s):", [round(s, 2) for s in RESTART_TO_REPLY])


class ShopAndPeople(NamedTuple):
    env: OperatorEnv
    fakes: Fakes
    database: ShopDatabase
    run: SokoProcess
    people: People


@contextmanager
def fresh_shop(tmp_path: Path, *, with_stripe: bool) -> Iterator[ShopAndPeople]:
    """The operator's shop on the fakes, `soko run` started in a fresh folder (it makes the
    database)."""
    assert not (tmp_path / "soko.db").exists()
    with running_shop(tmp_path, with_stripe=with_stripe, transcript=40) as shop:
        people = people_of(shop)
        yield ShopAndPeople(shop.env, shop.fakes, shop.database, shop.run, people)


def test_from_an_empty_database_to_a_paid_order_and_a_payout(tmp_path: Path) -> None:
    with fresh_shop(tmp_path, with_stripe=True) as (shop, fakes, database, run, people):
        owner_arrives(people)
        code = owner_appoints_mentor(people)
        recruits_join_and_list(people, code)
        owner_approves(people)
        placed = buyer_orders(run, database, people)
        order_code = placed[0].split(" ", 2)[1]
        assert has(placed, EN._("Preparing your payment link… I will send it here in a moment."))
        ready = f"Your payment link for order {order_code} is ready."
        if not has(placed, ready):  # Stripe was called after her answer was saved
            people.lena_tg.told(ready)

        stripe_pays(shop, fakes, people)
        people.lena_tg.told(f"Payment received for {order_code}. Thank you!")
        people.wanjiru.told(f"Oda mpya {order_code}")
        artisan_ships(people, order_code)
        people.lena_tg.told(f"Your order {order_code}: Mkufu wa shaba has been shipped.")
        # She is one person: on WhatsApp, her orders hold the one she made on Telegram.
        people.lena_wa.say("menu")
        assert has(people.lena_wa.choose(EN._("My orders")), order_code)
        # Her parcel arrives: Wanjiru's share is payable from now (PAYOUT_RELEASE=delivered).
        assert has(people.lena_tg.say("received"), f"Order {order_code} has arrived")
        people.wanjiru.told(
            SW._("Good news: the buyer received order {code}: {items}.").split(":")[0]
        )

        owner_pays_out(shop, people)
        print_counts(people)


def test_without_stripe_no_demo_card_is_offered_and_nothing_is_paid(tmp_path: Path) -> None:
    with fresh_shop(tmp_path, with_stripe=False) as (_, _, database, run, people):
        owner_arrives(people)
        code = owner_appoints_mentor(people)
        welcome = people.wanjiru.say(f"/start ref-{code}")
        assert welcome[0].startswith("Karibu Soko!")
        open_shop_on_telegram(people.wanjiru, "Vito vya Wanjiru", WANJIRU_PHONE)
        list_a_necklace(people.wanjiru, "Mkufu wa shaba", "1500", seed=11)
        people.owner_tg.say("menu")
        people.owner_tg.tap(EN._("Review listings"))
        assert has(people.owner_tg.tap(EN._("Approve")), "Approved: ")

        people.lena_tg.say("/start")
        people.lena_tg.tap("English")
        people.lena_tg.tap(EN._("Search"))
        people.lena_tg.say("shaba")
        people.lena_tg.say("1")
        people.lena_tg.tap(EN._("Add to cart"))
        told = people.lena_tg.tap(EN._("Checkout"))
        assert has(told, "Sorry, paying is not open yet"), told
        everything = "\n".join(people.lena_tg.transcript)
        assert "demo card" not in everything
        assert EN._("Place order") not in everything
        # Her cart is kept for when paying opens; no order exists, nothing was paid.
        assert has(people.lena_tg.tap(EN._("My cart")), "Mkufu wa shaba")
        assert database.query("SELECT count(*) FROM orders")[0][0] == 0
        assert database.query("SELECT count(*) FROM ledger_entries")[0][0] == 0
        assert "Paying is not open" in run.logged()  # the operator was warned
