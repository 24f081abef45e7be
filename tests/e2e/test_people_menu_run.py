"""The People menu end to end: a real `soko run` process with ADMIN_PHONES set, the fake
Twilio and the fake Telegram, nothing set up behind the bot's back. A seller opens her shop
on Telegram; the owner, on WhatsApp, opens People, finds her by her shop's name and makes
her a mentor; the seller receives her invitation on Telegram with its Telegram link, and
`soko admin roles list --history` shows who did it. TELEGRAM_BOT_USERNAME is not set: the
link names the bot as Telegram's getMe gave it when `soko run` started."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.chat_people import TelegramPerson, WhatsAppPerson
from tests.e2e.operator_env import Fakes
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, soko
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import TOKEN, USERNAME

GRACE = "+254711000001"  # the owner, on WhatsApp
AMINA_TELEGRAM = 92001  # a seller, on Telegram


def test_the_owner_makes_a_telegram_seller_a_mentor_from_whatsapp(
    tmp_path: Path, fakes: Fakes
) -> None:
    # No TELEGRAM_BOT_USERNAME: `soko run` asks Telegram at start, so WhatsApp's side names
    # the bot in invitation links too.
    shop = fakes.operator_env(
        tmp_path, port=free_port(), ADMIN_PHONES="0711 000 001", TELEGRAM_BOT_USERNAME=""
    )
    database = ShopDatabase(shop.database_url)
    grace = WhatsAppPerson("Grace", GRACE, fakes.twilio, database, shop.url)
    amina = TelegramPerson("Amina", AMINA_TELEGRAM, fakes.telegram, database)

    with SokoProcess(shop, "run") as run:
        # Amina opens her shop on Telegram, in the chat.
        amina.say("Hi")
        amina.say("1")
        amina.say("Sell your jewelry")
        for answer in ("Amina Beads", "Kibera", "0722 000 444"):
            amina.say(answer)
        for answer in ("Change something", "Name", "Amina Wanjiru"):  # not her app's name
            amina.say(answer)
        opened = amina.say("1")
        assert opened[0] == "Congratulations! Your shop Amina Beads is open."

        # Grace, an owner by her number, finds her by her shop's name and makes her a mentor.
        assert grace.say("Hi")[-1].startswith("You are now one of this shop's")
        menu = grace.say("1")[-1]
        assert "Review listings\n" in menu
        assert "People\n" in menu
        assert grace.say("People") == [
            "Type a phone number (any form, like 0712 345 678) or part of a shop’s name:\n\n1. Menu"
        ]
        assert grace.say("amina beads") == [
            "Amina Wanjiru\nPhone: not known\nRoles: artisan\nShop: Amina Beads, Kibera\n"
            "M-Pesa: 0722 000444\nHer shop is independent.\nWorkshop: never visited.\n\n"
            "1. Make mentor\n2. Suspend shop\n3. Make community manager\n4. Record a visit\n"
            "5. Find someone else\n6. Menu"
        ]
        made = grace.say("Make mentor")
        assert made[0] == "Amina Wanjiru is now a mentor; she has been told."
        assert "Stop mentoring" in made[1]

        # Amina is told on Telegram, with her code and a link that opens the bot.
        [invitation] = [m for m in amina.told("invitation code") if "invitation code" in m]
        assert invitation.startswith("You are now a mentor on Soko!")
        assert "\n[Invite on Telegram]" in invitation
        links = {button["text"]: button.get("url", "") for button in amina.buttons()}
        assert links["Invite on Telegram"].startswith(f"https://t.me/{USERNAME}?start=ref-")

    listed = soko(shop, "admin", "roles", "list", "--history")
    assert listed.returncode == 0, listed.stderr
    changes = [line.split()[3:] for line in listed.stdout.splitlines()]
    assert ["Grace", "(+254711000001)", "grant", "mentor", "Amina", "Wanjiru"] in changes
    log = run.logged()
    assert "Traceback" not in log
    assert " WARNING bot.telegram_username" not in log
    assert TOKEN not in log
    assert fakes.twilio.auth_token not in log
