"""An old "Approve" tapped while the bot asks for a rejection reason, end to end: a real
`soko run` with ADMIN_PHONES set and the fake Telegram. An owner (by the contact she shares)
reviews the listing an artisan made in the chat; she taps "Reject", then "Approve" on the
card above the reason question. The tap is neither an approval nor a reason: she is told the
button is from an earlier message and asked the reason again, and the artisan hears nothing
until the real reason comes. People only write, tap, share their contact and send photos."""

from __future__ import annotations

from pathlib import Path

from store.demo.pictures import draw_piece
from store.models import Category
from tests.e2e.chat_people import TelegramPerson
from tests.e2e.operator_env import Fakes
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import TOKEN

OWNER = "+254711000001"
ARTISAN_PHONE = "+254722000444"
EARLIER = "That button is from an earlier message."
REASONS = (
    "Why is it not accepted? Pick a reason or type your own:\n[Plastic or pre-made materials]\n"
    "[Photo not clear]\n[Price looks wrong]\n[Other: type it]"
)


def open_shop_and_list(amina: TelegramPerson) -> None:
    amina.say("/start")
    amina.tap("English")
    amina.tap("Sell your jewelry")
    amina.say("Amina Beads")
    amina.say("Kibera, Nairobi")
    amina.share_own_contact(ARTISAN_PHONE.removeprefix("+"))  # her M-Pesa number
    opened = amina.tap("Yes, open my shop")
    assert opened[0] == "Congratulations! Your shop Amina Beads is open."
    amina.send_photos([draw_piece(Category.NECKLACE, seed=7)], caption="Blue glass necklace 1500")
    submitted = amina.tap("Submit for review")
    assert submitted[0].startswith("Thank you! A community manager will review it")


def test_an_old_approve_during_a_rejection_reason_is_refused_and_asked_again(
    tmp_path: Path, fakes: Fakes
) -> None:
    shop = fakes.operator_env(tmp_path, port=free_port(), ADMIN_PHONES="0711 000 001")
    database = ShopDatabase(shop.database_url)
    grace = TelegramPerson("Grace", 93001, fakes.telegram, database)
    amina = TelegramPerson("Amina", 93002, fakes.telegram, database)

    with SokoProcess(shop, "run") as run:
        grace.say("/start")
        grace.tap("English")
        shared = grace.share_own_contact(OWNER.removeprefix("+"))
        assert "[Review listings]" in shared[-1]
        open_shop_and_list(amina)
        grace.told("A new listing waits for review")

        card = grace.tap("Review listings")[-1]
        assert card.startswith("[photo] “Blue glass necklace” from Amina Beads")
        assert card.endswith("[Approve]\n[Reject]\n[Skip]\n[Add to a collection]")
        assert grace.tap("Reject") == [REASONS]
        amina.unread()  # what she was told so far
        # "Approve" on the card above: refused, and the reason asked again with its buttons.
        assert grace.tap("Approve") == [EARLIER, REASONS]
        assert amina.unread() == []  # neither "live" nor "not accepted"

        done = grace.tap("Photo not clear")
        assert done[0] == "Not accepted: Blue glass necklace. The artisan has been told why."
        told = "\n".join(amina.told("was not accepted yet"))
        assert "Reason: Photo not clear\n" in told
        assert "rv:" not in told
        assert "approved" not in told.casefold()
    assert "Traceback" not in run.logged()
    assert TOKEN not in run.logged()
