"""A shop suspended with a reason and reinstated, from an empty database, on both databases.

`soko run` runs as a process on the fake Telegram and Daraja, with the operator's settings
only. Wanjiru opens her shop in the chat (Swahili) and lists three necklaces; the owner (a
community manager by her number, English) approves them and, in the People menu, makes Neema
a community manager (Swahili). Achieng (Swahili) buys one and pays by M-Pesa, orders another
and confirms the prompt on her phone, but Safaricom's callback is slow; Otieno (English) puts
the third in his cart.

Neema suspends the shop: "skip" is no reason (kindly asked again), then her reason. The
unpaid order is cancelled (its piece released) and Achieng told in Swahili; the paid one is
kept, and Neema told it remains to be sent; Wanjiru is told the reason and how to appeal.
The slow callback arrives now: the money is recorded as owed back, never taken for the
cancelled order. Otieno is told his cart lost the piece when he next looks; search, the
piece's and the shop's pages and an old "Add to cart" button find nothing to buy. An old
"Suspend shop" button changes nothing. The collection Neema published keeps its page, without
her piece while the shop is suspended. Wanjiru answers the notice with her appeal in two
messages: her words are kept and offered back ("Send this as your appeal?"), the notice's
"Appeal" button tapped then offers them again, she sends them and both managers read them;
the notice's "Appeal" button opens the appeal question too.
The owner reinstates the shop, Wanjiru is told, and her pieces and pages are back. The
audit lists both with the reason.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from conversations.flows.appeal import CANCEL, KEPT, OFFER, SEND_IT, SENT
from conversations.flows.product_card import NOT_AVAILABLE
from conversations.i18n import Translator
from conversations.notify.payments import PAYMENT_OWED_BACK
from conversations.notify.roles import MANAGER_GRANTED
from conversations.notify.suspension import APPEAL
from tests.e2e.chat_people import TelegramPerson
from tests.e2e.soko_process import soko
from tests.e2e.test_mpesa_buyer_run import (
    Shop,
    achieng_orders,
    mpesa_shop,
    pieces_listed_and_approved,
)
from tests.e2e.test_zero_to_sale import has
from tests.fakes.serving import TLS
from tests.fakes.telegram_api import tap

pytestmark = pytest.mark.slow

EN, SW = Translator("en"), Translator("sw")
NEEMA_PHONE = "+254744000005"
SHOP = "Vito vya Wanjiru"
REASON = "Picha za vipande vya kiwandani"
PIECES = ["Mkufu wa shaba", "Mkufu wa pembe", "Mkufu wa kioo"]
COLLECTION = "glass-and-horn"  # the slug of Neema's collection


def tap_earlier(person: TelegramPerson, label: str, before: int) -> list[str]:
    """Tap `label` on the latest of her first `before` messages that has it (an old card)."""
    for call in reversed(person.fake.sent_to(person.telegram_id)[:before]):
        for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button["text"] == label and "callback_data" in button:
                    person.taps += 1
                    update = tap(person.user, button["callback_data"], call.message_id or 1)
                    return person._feed(f"[{label}] (an old card)", update)
    raise AssertionError(f"no earlier button {label!r} for {person.name}")


def labels(person: TelegramPerson) -> list[str]:
    return [button["text"] for button in person.buttons() if "callback_data" in button]


def messages_so_far(person: TelegramPerson) -> int:
    return len(person.fake.sent_to(person.telegram_id))


def page(shop: Shop, path: str) -> int:
    return httpx.get(f"{shop.env.url}{path}", timeout=10, verify=TLS).status_code


def slugs(shop: Shop) -> tuple[str, str]:
    """The third necklace's page and the shop's page."""
    [(piece,)] = shop.database.query(
        "SELECT slug FROM products WHERE title = :title", title=PIECES[2]
    )
    [(artisan,)] = shop.database.query("SELECT slug FROM artisans WHERE shop_name = :s", s=SHOP)
    return f"/p/{piece}", f"/a/{artisan}"


def owner_makes_neema_a_manager(shop: Shop, neema: TelegramPerson) -> None:
    neema.say("/start")
    neema.tap("Kiswahili")
    neema.share_own_contact(NEEMA_PHONE.removeprefix("+"))
    owner = shop.owner
    owner.say("menu")
    owner.tap(EN._("People"))
    card = owner.say("0744 000 005")
    assert has(card, "Roles: none (she buys only)"), card
    made = owner.tap(EN._("Make community manager"))
    assert made[0] == "Neema Wambui is now a community manager; she has been told.", made
    neema.told(SW._(MANAGER_GRANTED).split(".")[0])


def neema_publishes_a_collection(neema: TelegramPerson) -> None:
    """Neema (Swahili) curates the glass necklace into a collection of its own and publishes
    it (`COLLECTION`)."""
    neema.say("menyu")
    neema.tap(SW._("Collections"))
    neema.tap(SW._("New collection"))
    neema.say("Glass and Horn")
    neema.say("Kioo na Pembe")
    neema.say("Necklaces from Wanjiru's bench.")
    made = neema.say("Mikufu kutoka karakana ya Wanjiru.")
    assert has(made, "Glass and Horn"), made
    neema.tap(SW._("Add pieces"))
    neema.say("kioo")
    assert has(neema.tap(PIECES[2]), f"Umeweka bidhaa “{PIECES[2]}” kwenye mkusanyiko"), made
    neema.tap(SW._("Done"))
    published = neema.tap(SW._("Publish"))
    assert has(published, f"/c/{COLLECTION}"), published


def in_collection(shop: Shop, piece_page: str) -> bool:
    """Whether the published collection's page shows the piece."""
    response = httpx.get(f"{shop.env.url}/c/{COLLECTION}", timeout=10, verify=TLS)
    assert response.status_code == 200, response.status_code
    return piece_page in response.text


def otieno_fills_his_cart(otieno: TelegramPerson) -> None:
    otieno.say("/start")
    otieno.tap("English")
    otieno.tap(EN._("Search"))
    otieno.say("kioo")
    otieno.say("1")
    added = otieno.tap(EN._("Add to cart"))
    assert has(added, "Mkufu wa kioo"), added


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_shop_suspended_with_a_reason_and_reinstated(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue(f"{backend}_engine")
    url = engine.url.render_as_string(hide_password=False)
    with mpesa_shop(tmp_path, url) as shop:
        neema = shop.running.on_telegram("Neema Wambui", 5104, "sw")
        otieno = shop.running.on_telegram("Otieno", 5105, "en")
        suspended_and_reinstated(shop, neema, otieno)

    listed = soko(shop.env, "admin", "roles", "list", "--history")
    assert listed.returncode == 0, listed.stderr
    changes = [line.split()[3:] for line in listed.stdout.splitlines()]
    reason = f"({REASON})".split()
    assert [
        "Neema",
        "Wambui",
        "(+254744000005)",
        "suspend",
        "vito-vya-wanjiru",
        "(independent)",
        *reason,
    ] in changes, changes
    assert [
        "Grace",
        "Mutua",
        "(+254711000001)",
        "reinstate",
        "vito-vya-wanjiru",
        "(independent)",
        *reason,
    ] in changes, changes


def suspended_and_reinstated(shop: Shop, neema: TelegramPerson, otieno: TelegramPerson) -> None:
    owner, wanjiru, achieng = shop.owner, shop.wanjiru, shop.achieng
    pieces_listed_and_approved(shop, PIECES)
    owner_makes_neema_a_manager(shop, neema)
    neema_publishes_a_collection(neema)

    # A paid order, an unpaid one whose payment is on its way, a cart.
    paid = achieng_orders(shop, PIECES[0], first=True)
    shop.daraja.answer_push(shop.push_of(paid), 0)
    achieng.told(SW._("Payment received for {code}. Thank you!").format(code=paid))
    unpaid = achieng_orders(shop, PIECES[1])
    slow_push = shop.push_of(unpaid)
    shop.daraja.answer_push(slow_push, 0, deliver=0)  # she confirmed; the callback is late
    otieno_fills_his_cart(otieno)
    piece_page, shop_page = slugs(shop)
    assert (page(shop, piece_page), page(shop, shop_page)) == (200, 200)
    assert in_collection(shop, piece_page)

    # Neema suspends the shop: a reason is needed.
    neema.say("menyu")
    neema.tap(SW._("People"))
    card = neema.say("vito vya wanjiru")
    assert has(card, SW._("Suspend shop")), card
    before_suspension = messages_so_far(neema)
    asked = neema.tap(SW._("Suspend shop"))
    assert asked[0].startswith("Kwa nini unasimamisha duka Vito vya Wanjiru?"), asked
    again = neema.say("ruka")
    assert again[0].startswith("Duka husimamishwa tu kukiwa na sababu"), again
    assert again[1].startswith("Kwa nini unasimamisha duka Vito vya Wanjiru?"), again
    confirm = neema.say(REASON)
    assert confirm[0].startswith("Simamisha duka la Wanjiru, Vito vya Wanjiru?"), confirm
    done = neema.tap(SW._("Yes"))
    assert done[0] == (
        "Duka Vito vya Wanjiru limesimamishwa; ameambiwa.\n"
        f"Oda ambazo hazijalipwa zimeghairiwa, na wanunuzi wameambiwa: {unpaid}.\n"
        f"Oda zilizoshalipwa ambazo bado lazima azitume: {paid}. Ameombwa azitume kama "
        "kawaida; asipoweza, msimamizi wa mfumo amrudishie mnunuzi pesa (amri: soko admin "
        "refund CODE)."
    ), done

    # Wanjiru is told why and how to appeal; Achieng that her unpaid order is cancelled.
    told = wanjiru.told(f"kwa sababu hii: “{REASON}”")
    assert has(told, "jibu ujumbe huu ukieleza kwa nini duka lako lifunguliwe tena"), told
    assert has(told, "[Kata rufaa]"), told  # the notice's button
    at_notice = messages_so_far(wanjiru)
    cancelled = achieng.told(f"Samahani: oda yako {unpaid} imeghairiwa")
    assert has(cancelled, "Mkufu wa pembe"), cancelled
    assert (shop.order(unpaid)[0], shop.order(paid)[0]) == ("cancelled", "paid")
    reserved = shop.database.query("SELECT sum(stock_reserved) FROM products")
    assert reserved[0][0] == 0

    # The slow callback arrives: recorded, owed back, the order stays cancelled.
    assert shop.daraja.deliver_push(slow_push) == [200]
    owner.told(f"paid for order {unpaid} must be sent back by hand")
    achieng.told(SW._(PAYMENT_OWED_BACK).split("{")[0])
    assert shop.order(unpaid)[0] == "cancelled"
    assert shop.sales(unpaid) == 0
    owed = shop.database.query(
        "SELECT count(*) FROM payment_events WHERE event_type = 'soko.refund_owed' "
        "AND order_id = :id",
        id=shop.order(unpaid)[1],
    )
    assert owed[0][0] == 1

    # Otieno's cart lost the piece: told when he looks. Nothing of hers is for sale.
    otieno.say("menu")
    cart = otieno.tap(EN._("My cart"))
    assert has(cart, "Sorry: we took out of your cart pieces whose shop is no longer"), cart
    assert has(cart, "1 × Mkufu wa kioo"), cart
    assert has(cart, EN._("Your cart is empty.")), cart
    otieno.say("menu")
    otieno.tap(EN._("Search"))
    assert has(otieno.say("kioo"), "Sorry, nothing found for “kioo”")
    # Old buttons and links to her piece: nothing of it opens, nothing goes in the cart.
    [result] = [label for label in labels(otieno) if label.startswith("Mkufu wa kioo")]
    assert otieno.tap(result)[0] == EN._("That button is from an earlier message.")
    [(piece_id,)] = shop.database.query("SELECT id FROM products WHERE title = :t", t=PIECES[2])
    assert otieno.say(f"/start p-{piece_id}")[0] == EN._(NOT_AVAILABLE)  # "Order on Telegram"
    old_add = otieno.tap(EN._("Add to cart"))
    assert not has(old_add, "Added to your cart"), old_add
    assert has(otieno.say("menu"), EN._("What would you like to do?"))
    assert otieno.tap(EN._("My cart")) == [
        f"{EN._('Your cart is empty.')}\n[{EN._('Keep shopping')}]"
    ]
    assert (page(shop, piece_page), page(shop, shop_page)) == (404, 404)
    assert not in_collection(shop, piece_page)  # the collection stays, without her piece

    # The old card's "Suspend shop" button changes nothing.
    stale = tap_earlier(neema, SW._("Suspend shop"), before_suspension)
    assert has(stale, "Duka Vito vya Wanjiru tayari limesimamishwa: hakuna kilichobadilika."), stale
    # (She had been alerted in Swahili, too, of the money to send back by hand.)
    assert has(stale, f"zilizolipwa kwa oda {unpaid} lazima zirudishwe kwa mkono"), stale

    # Wanjiru answers the notice with her appeal, in two messages: her words are kept and
    # offered back, the second joined to the first; sent, both managers read them.
    offered = wanjiru.say("Vipande vyangu ni vya mikono yangu")
    assert offered[0].startswith(SW._(OFFER).split("\n")[0]), offered
    assert has(offered, "“Vipande vyangu ni vya mikono yangu”"), offered
    words = "Vipande vyangu ni vya mikono yangu\nnjooni mwone karakana"
    joined = wanjiru.say("njooni mwone karakana")
    assert has(joined, f"“{words}”"), joined
    # She taps the notice's button as if to send them: her words are offered again.
    again = tap_earlier(wanjiru, SW._(APPEAL), at_notice)
    assert has(again, f"“{words}”"), again
    sent = wanjiru.tap(SW._(SEND_IT))
    assert sent[0] == SW._(SENT), sent
    heard = owner.told("appeals her suspension")
    assert has(heard, f"“{words}”"), heard
    neema.told("amekata rufaa")

    # The notice's button opens the appeal question too; her menu still offers it.
    asked = tap_earlier(wanjiru, SW._(APPEAL), at_notice)
    assert has(asked, f"kwa sababu hii: “{REASON}”"), asked
    assert wanjiru.tap(SW._(CANCEL))[0] == SW._(KEPT)
    menu = wanjiru.say("menyu")
    assert has(menu, SW._(APPEAL)), menu
    # She greets at her menu: the menu again, not "choose from the menu above".
    assert wanjiru.say("Habari za jioni") == menu

    # The owner reinstates: Wanjiru is told, her pieces and pages are back.
    owner.say("menu")
    owner.tap(EN._("People"))
    owner.say("vito vya wanjiru")
    back = owner.tap(EN._("Reinstate shop"))
    assert back[0] == "Vito vya Wanjiru is open again; she has been told.", back
    wanjiru.told("Habari njema: duka lako Vito vya Wanjiru limefunguliwa tena")
    assert (page(shop, piece_page), page(shop, shop_page)) == (200, 200)
    assert in_collection(shop, piece_page)
    otieno.say("menu")
    otieno.tap(EN._("Search"))
    assert has(otieno.say("kioo"), "Mkufu wa kioo")
    assert shop.order(paid)[0] == "paid"  # still hers to send
