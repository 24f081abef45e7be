"""The real PTB bot polling the fake Bot API: updates in, replies out, nothing lost."""

from __future__ import annotations

from sqlalchemy import select

from bot.container import Container
from store.models import Channel, InboxMessage, User
from store.services import people
from tests.e2e.soko_process import wait_until
from tests.e2e.telegram.telegram_support import running_bot
from tests.factories import make_user
from tests.fakes.telegram_api import FakeTelegram, contact, document, photo, tap, text, user


def test_a_newcomer_says_hello_and_is_welcomed(
    container: Container, fake_telegram: FakeTelegram
) -> None:
    wanjiru = user(501, "Wanjiru", "sw")
    fake_telegram.feed(text(wanjiru, "habari"))
    with running_bot(container) as bot:
        wait_until(lambda: bool(fake_telegram.sent_to(501)), what="a reply")
        wait_until(bot.settled, what="inbox handled, outbox sent")
    replies = fake_telegram.sent_to(501)
    assert replies[0].method == "sendMessage"
    assert "Karibu" in replies[0].params["text"]  # Swahili, from the app's language
    assert fake_telegram.pending_updates() == 0


def _user_of(container: Container, telegram_id: int) -> User:
    with container.uow_factory(read_only=True) as uow:
        found = people.user_for_identity(uow.session, Channel.TELEGRAM, str(telegram_id))
        assert found is not None
        return found


def test_sharing_ones_own_contact_links_the_phone_and_anothers_does_not(
    container: Container, fake_telegram: FakeTelegram
) -> None:
    amina, baraka = user(601, "Amina"), user(602, "Baraka")
    with container.uow_factory() as uow:  # Amina already shops on WhatsApp with this number
        whatsapp_user = make_user(uow.session, "Amina W", phone="+254712000601")
        whatsapp_id = whatsapp_user.id
        uow.commit()
    with running_bot(container) as bot:
        fake_telegram.feed(text(amina, "hi"))
        fake_telegram.feed(text(baraka, "hi"))
        wait_until(lambda: bot.counts()["handled"] == 2, what="greetings handled")
        fake_telegram.feed(contact(amina, "254712000601", owner_id=601))
        fake_telegram.feed(contact(baraka, "+254733000602", owner_id=999))
        wait_until(lambda: bot.counts()["inbox"] == 4 and bot.settled(), what="contacts handled")
    assert _user_of(container, 601).id == whatsapp_id  # one person on both channels
    assert _user_of(container, 602).phone is None


def test_photos_of_an_album_are_downloaded_and_a_too_large_file_gets_a_kind_word(
    container: Container, fake_telegram: FakeTelegram
) -> None:
    naliaka = user(701, "Naliaka")
    files = [fake_telegram.add_file(b"\xff\xd8\xff photo %d" % n) for n in range(3)]
    with running_bot(container) as bot:
        fake_telegram.feed(text(naliaka, "hi"))
        wait_until(lambda: bot.counts()["handled"] == 1, what="greeting handled")
        for file_id in files:
            fake_telegram.feed(photo(naliaka, file_id, 20, media_group_id="album-1"))
        fake_telegram.feed(document(naliaka, "huge", 25 * 1024 * 1024))
        fake_telegram.feed(tap(naliaka, "lang:sw"))
        wait_until(lambda: bot.counts()["inbox"] == 5 and bot.settled(), what="all handled")
    with container.uow_factory(read_only=True) as uow:
        payloads = [row.payload for row in uow.session.execute(select(InboxMessage)).scalars()]
    albums = [p for p in payloads if p["media_group_id"] == "album-1"]
    assert [len(p["photos"]) for p in albums] == [1, 1, 1]
    assert len(fake_telegram.calls_of("getFile")) == 3
    texts = [c.params.get("text", "") for c in fake_telegram.sent_to(701)]
    assert any("too big" in t for t in texts)
    assert len(fake_telegram.calls_of("answerCallbackQuery")) == 1
