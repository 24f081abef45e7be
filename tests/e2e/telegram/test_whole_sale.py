"""A whole sale in Telegram, through the real PTB bot polling the fake Bot API: an artisan
arrives by her mentor's deep link and opens her shop (sharing her own number), lists a piece
by sending an album of photos, a community manager approves it from its notice in one tap, a
buyer finds it, buys it and pays with the demo provider, and the artisan ships it from the
order's notice in two taps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.container import Container
from store.demo.pictures import draw_piece
from store.models import Category, Identity, Role, UserRole
from store.services import referrals
from tests.e2e.chat_people import TelegramPerson
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.telegram.telegram_support import running_bot, settings_for
from tests.factories import make_artisan, make_user
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.slow

TITLE = "Copper leaf earrings"
MENTOR, ARTISAN, MANAGER, BUYER = 8101, 8102, 8103, 8104


@pytest.fixture
def container(
    sqlite_engine: Engine, tmp_path: Path, telegram_server: tuple[FakeTelegram, str]
) -> Iterator[Container]:
    """The shop of the Telegram tests, with PAYMENTS_DEMO on: the buyer pays by demo card."""
    database_url = sqlite_engine.url.render_as_string(hide_password=False)
    settings = settings_for(database_url, tmp_path / "media", telegram_server[1])
    container = Container(settings.model_copy(update={"payments_demo": True}))
    yield container
    container.close()


@pytest.fixture
def bot(container: Container) -> Iterator[None]:
    with running_bot(container):
        yield


def seed(container: Container) -> str:
    """A mentor (with a referral code) and a community manager, both on Telegram."""
    with container.uow_factory() as uow:
        session = uow.session
        mentor = make_artisan(session, "Mama Amina", locale="en")
        mentor.user.roles.append(UserRole(role=Role.MENTOR))
        session.flush()
        code = referrals.create_code(session, mentor.id).code
        manager = make_user(session, "Grace Mutua", roles=(Role.COMMUNITY_MANAGER,))
        for user_id, telegram_id in ((mentor.user_id, MENTOR), (manager.id, MANAGER)):
            identity = session.execute(
                select(Identity).where(Identity.user_id == user_id)
            ).scalar_one()
            identity.channel = identity.channel.TELEGRAM
            identity.platform_user_id = str(telegram_id)
        uow.commit()
    return code


@pytest.mark.usefixtures("bot")
def test_a_whole_sale_in_telegram(container: Container, fake_telegram: FakeTelegram) -> None:
    code = seed(container)
    database = ShopDatabase(container.settings.database_url)

    def person(telegram_id: int, name: str, language: str = "en") -> TelegramPerson:
        return TelegramPerson(name, telegram_id, fake_telegram, database, language)

    naliaka, grace = person(ARTISAN, "Naliaka"), person(MANAGER, "Grace")
    lena, mentor = person(BUYER, "Lena", "de"), person(MENTOR, "Mama Amina")

    # Naliaka follows her mentor's link https://t.me/SokoTestBot?start=ref-<code>.
    # Her app speaks English: not asked which language; her name is her app's.
    welcome = naliaka.say(f"/start ref-{code}")
    assert welcome[0].startswith("Welcome to Soko!")
    assert welcome[1].startswith("Let's open your shop on Soko!")
    naliaka.say("Kitengela Glass Drops")
    asked = naliaka.say("Kitengela")
    assert asked[0].startswith("Which M-Pesa number")
    mpesa = fake_telegram.sent_to(ARTISAN)[-1].params["reply_markup"]
    assert mpesa["keyboard"][0][0]["request_contact"] is True
    naliaka.share_own_contact("254712345678")
    done = naliaka.tap("Yes, open my shop")
    assert done[0].startswith("Congratulations! Your shop Kitengela Glass Drops is open.")
    told_mentor = mentor.unread()
    assert any("Naliaka" in m for m in told_mentor)  # the mentor is told

    # She lists a piece by sending an album of three photos.
    album = [draw_piece(Category.EARRINGS, seed=4242 + n) for n in range(3)]
    received = naliaka.send_photos(album)
    assert any("3 of 5" in m or "3 photos" in m for m in received), received
    # Its name says the kind and the material: the card comes next.
    card = naliaka.say(f"{TITLE} 1200")
    assert any("Category: Earrings\nMade of: copper\n" in m for m in card), card
    for answer in ("Change something", "Quantity", "2"):
        naliaka.say(answer)
    submitted = naliaka.tap("Submit for review")
    assert submitted[0].startswith("Thank you! A community manager will review it")

    # Grace, the community manager, approves it from its notice, which shows the piece: one tap.
    notice = grace.told(TITLE)
    assert any(m.startswith("[photo]") and "[Approve]" in m for m in notice), notice
    approved = grace.tap("Approve")
    assert grace.taps == 1
    assert any(f"Approved: {TITLE}." in m for m in approved)
    assert any(f"Your {TITLE} is live!" in m for m in naliaka.unread())

    # Lena, a buyer, finds it, buys it and pays.
    lena.say("hi")
    lena.tap("English")
    lena.say("menu")
    lena.tap("Search")
    found = lena.say("copper")
    assert any(TITLE in m for m in found), found
    card = lena.say("1")
    assert any(m.startswith("[photo]") and TITLE in m for m in card)
    lena.tap("Add to cart")
    for answer in ("1", "Checkout", "Lena Fischer", "Oranienstraße 25, 10999 Berlin", "Germany"):
        lena.say(answer)
    placed = lena.tap("Place order")
    order_code = placed[0].removeprefix("Order ").split(" ", 1)[0]
    paid = lena.tap("Pay now (demo card)")
    assert any(f"Payment received for {order_code}" in m for m in paid)

    # Naliaka hears about the order, with the piece, and ships it from the notice in three
    # taps (she has no tracking number).
    told = naliaka.told(f"New order {order_code}")
    assert any(m.startswith(f"[photo] New order {order_code}") for m in told), told
    taps_before = naliaka.taps
    accepted = naliaka.tap("Accept")
    assert any("[Mark shipped]" in m for m in accepted), accepted
    naliaka.tap("Mark shipped")
    shipped = naliaka.tap("No tracking number")
    assert naliaka.taps - taps_before == 3
    assert shipped[0] == f"Shipped: {TITLE}. We have told the buyer. Thank you!"
    lena.told(f"Your order {order_code}: {TITLE} has been shipped.")
    taps = naliaka.taps + grace.taps + lena.taps
    assert len(fake_telegram.calls_of("answerCallbackQuery")) == taps  # every tap answered
