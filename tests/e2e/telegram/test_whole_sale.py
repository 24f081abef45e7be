"""A whole sale in Telegram, through the real PTB bot polling the fake Bot API: an artisan
arrives by her mentor's deep link and opens her shop (sharing her own number), lists a piece
by sending an album of photos, a community manager approves it, a buyer finds it, buys it and
pays with the demo provider, and the artisan is told about the order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.container import Container
from store.demo.pictures import draw_piece
from store.models import Category, Identity, Role, UserRole
from store.services import referrals
from tests.e2e.telegram.telegram_support import RunningBot, running_bot, wait_until
from tests.factories import make_artisan, make_user
from tests.fakes.telegram_api import Call, FakeTelegram, contact, photo, tap, text, user

pytestmark = pytest.mark.slow

TITLE = "Copper leaf earrings"
MENTOR, ARTISAN, MANAGER, BUYER = 8101, 8102, 8103, 8104


class Phones:
    """People chatting with the bot; `say`/`tap` return what the bot answered."""

    def __init__(self, fake: FakeTelegram, bot: RunningBot) -> None:
        self.fake = fake
        self.bot = bot
        self.people: dict[int, dict[str, Any]] = {}
        self.seen: dict[int, int] = {}
        self.taps = 0

    def person(self, telegram_id: int, name: str, language: str = "en") -> None:
        self.people[telegram_id] = user(telegram_id, name, language)

    def _answers(self, telegram_id: int, update: dict[str, Any]) -> list[str]:
        inbox_before = self.bot.counts()["inbox"]
        self.fake.feed(update)
        wait_until(
            lambda: self.bot.counts()["inbox"] > inbox_before and self.bot.settled(),
            30,
            f"an answer to {update}",
        )
        return self.unread(telegram_id)

    def unread(self, telegram_id: int) -> list[str]:
        calls = self.fake.sent_to(telegram_id)
        new = calls[self.seen.get(telegram_id, 0) :]
        self.seen[telegram_id] = len(calls)
        return [_shown(call) for call in new]

    def say(self, telegram_id: int, words: str) -> list[str]:
        return self._answers(telegram_id, text(self.people[telegram_id], words))

    def tap(self, telegram_id: int, label: str) -> list[str]:
        """Tap the inline button `label` of the latest message that has it."""
        for call in reversed(self.fake.sent_to(telegram_id)):
            for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label and "callback_data" in button:
                        data = button["callback_data"]
                        update = tap(self.people[telegram_id], data, call.message_id or 1)
                        self.taps += 1
                        return self._answers(telegram_id, update)
        raise AssertionError(f"no button {label!r} in the chat of {telegram_id}")

    def send_album(self, telegram_id: int, pictures: list[bytes]) -> list[str]:
        before = self.bot.counts()["inbox"]
        for picture in pictures:
            file_id = self.fake.add_file(picture)
            sender = self.people[telegram_id]
            self.fake.feed(photo(sender, file_id, len(picture), media_group_id="A1"))
        wait_until(
            lambda: self.bot.counts()["inbox"] >= before + len(pictures) and self.bot.settled(),
            60,
            "the album handled",
        )
        return self.unread(telegram_id)

    def share_own_number(self, telegram_id: int, phone: str) -> list[str]:
        update = contact(self.people[telegram_id], phone, owner_id=telegram_id)
        return self._answers(telegram_id, update)


def _shown(call: Call) -> str:
    """A message as a person sees it: its text (or caption), then its buttons."""
    words = str(call.params.get("text") or call.params.get("caption") or "")
    markup = call.params.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) + markup.get("keyboard", [])
    buttons = "".join(f"\n[{button['text']}]" for row in rows for button in row)
    return f"[photo] {words}{buttons}" if call.method == "sendPhoto" else words + buttons


@pytest.fixture
def phones(container: Container, fake_telegram: FakeTelegram) -> Iterator[Phones]:
    with running_bot(container) as bot:
        yield Phones(fake_telegram, bot)


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


def test_a_whole_sale_in_telegram(container: Container, phones: Phones) -> None:
    code = seed(container)
    phones.person(ARTISAN, "Naliaka")
    phones.person(MANAGER, "Grace")
    phones.person(BUYER, "Lena", "de")

    # Naliaka follows her mentor's link https://t.me/SokoTestBot?start=ref-<code>.
    welcome = phones.say(ARTISAN, f"/start ref-{code}")
    assert welcome[0].startswith("Welcome to Soko!")
    opened = phones.tap(ARTISAN, "English")
    assert opened[0].startswith("OK, we'll chat in English.")
    phones.tap(ARTISAN, "Yes, that's me")
    phones.say(ARTISAN, "Kitengela Glass Drops")
    asked = phones.say(ARTISAN, "Kitengela")
    assert asked[0].startswith("Which M-Pesa number")
    mpesa = phones.fake.sent_to(ARTISAN)[-1].params["reply_markup"]
    assert mpesa["keyboard"][0][0]["request_contact"] is True
    phones.share_own_number(ARTISAN, "254712345678")
    phones.say(ARTISAN, "skip")
    done = phones.tap(ARTISAN, "Yes, open my shop")
    assert done[0].startswith("Congratulations! Your shop Kitengela Glass Drops is open.")
    told_mentor = phones.unread(MENTOR)
    assert any("Naliaka" in m for m in told_mentor)  # the mentor is told

    # She lists a piece by sending an album of three photos.
    album = [draw_piece(Category.EARRINGS, seed=4242 + n) for n in range(3)]
    received = phones.send_album(ARTISAN, album)
    assert any("3 of 5" in m or "3 photos" in m for m in received), received
    phones.tap(ARTISAN, "Done")
    phones.say(ARTISAN, TITLE)
    assert phones.say(ARTISAN, "1200")[0].startswith("Ksh1,200 — right?")
    for answer in ("1", "Earrings", "upcycled copper, glass beads", "2", "Skip"):
        phones.say(ARTISAN, answer)
    submitted = phones.tap(ARTISAN, "Submit for review")
    assert submitted[0].startswith("Thank you! A community manager will review it")

    # Grace, the community manager, approves it.
    assert any(TITLE in m for m in phones.unread(MANAGER))
    phones.say(MANAGER, "menu")
    phones.tap(MANAGER, "Review listings")
    approved = phones.tap(MANAGER, "Approve")
    assert any(f"Approved: {TITLE}." in m for m in approved)
    assert any(f"Your {TITLE} is live!" in m for m in phones.unread(ARTISAN))

    # Lena, a buyer, finds it, buys it and pays.
    phones.say(BUYER, "hi")
    phones.tap(BUYER, "English")
    phones.say(BUYER, "menu")
    phones.tap(BUYER, "Search")
    found = phones.say(BUYER, "copper")
    assert any(TITLE in m for m in found), found
    card = phones.say(BUYER, "1")
    assert any(m.startswith("[photo]") and TITLE in m for m in card)
    phones.tap(BUYER, "Add to cart")
    for answer in ("1", "Checkout", "Lena Fischer", "Oranienstraße 25, 10999 Berlin", "Germany"):
        phones.say(BUYER, answer)
    placed = phones.tap(BUYER, "Place order")
    order_code = placed[0].removeprefix("Order ").split(" ", 1)[0]
    paid = phones.tap(BUYER, "Pay now (demo card)")
    assert any(f"Payment received for {order_code}" in m for m in paid)

    # Naliaka hears about the order.
    told = phones.unread(ARTISAN)
    assert any(m.startswith(f"New order {order_code}") for m in told), told
    assert len(phones.fake.calls_of("answerCallbackQuery")) == phones.taps  # every tap answered
