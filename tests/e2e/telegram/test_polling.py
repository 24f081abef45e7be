"""The real PTB bot polling the fake Bot API: updates in, replies out, nothing lost."""

from __future__ import annotations

from bot.container import Container
from tests.e2e.telegram.telegram_support import running_bot, wait_until
from tests.fakes.telegram_api import FakeTelegram, text, user


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
    print(replies[0].params)
    assert fake_telegram.pending_updates() == 0
