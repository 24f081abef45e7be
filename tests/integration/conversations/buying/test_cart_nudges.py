"""The abandoned-cart nudge in a buyer's conversation: once per cart, in her language, and
`stop` / `acha` turns it off (the menu turns it back on)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.plugins import channel_capabilities
from conversations.jobs.nudges import nudge_abandoned_carts
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.buying_support import (
    hello,
    seed_maker,
    seed_product,
    told,
    user_id_of,
)
from tests.integration.conversations.conftest import Chat

CHANNELS = channel_capabilities()  # what the registered channel plug-ins can do

# The chat's clock starts at 09:00 UTC that day; the cart sits idle after the morning.
AFTERNOON = datetime(2025, 3, 1, 15, 0, tzinfo=UTC)


def fill_cart(chat: Chat, product_id: int, add: str = "Add to cart") -> None:
    chat.send(f"/start p-{product_id}")
    chat.send(add)  # how many?
    chat.send("1")


def test_stop_turns_nudges_off_the_menu_turns_them_on_and_a_cart_is_nudged_once(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar", stock=3)
    chat = new_chat("buyer")
    hello(chat)
    fill_cart(chat, collar)
    buyer = user_id_of(uow_factory, chat)

    assert chat.send("STOP") == [
        "Done: we won't remind you about your cart any more. To get reminders again, send "
        "menu, choose “More”, then “Cart reminders on”."
    ]
    assert nudge_abandoned_carts(uow_factory, AFTERNOON, CHANNELS) == []

    chat.send("menu")
    assert "97. Cart reminders on" in chat.send("More")[0]
    assert chat.send("Cart reminders on") == [
        "Cart reminders are on again. Send STOP any time to turn them off."
    ]
    chat.send("menu")
    assert "Cart reminders on" not in chat.send("More")[0]
    before = len(told(uow_factory, buyer))
    assert nudge_abandoned_carts(uow_factory, AFTERNOON, CHANNELS) == [buyer]
    assert nudge_abandoned_carts(uow_factory, AFTERNOON, CHANNELS) == []  # twice = once
    assert nudge_abandoned_carts(uow_factory, AFTERNOON + timedelta(hours=6), CHANNELS) == []
    assert told(uow_factory, buyer)[before:] == [
        "You left Maasai collar in your cart. Handmade pieces are often one of a kind: send "
        "menu and open your cart to order before someone else does. (Send STOP for no more "
        "reminders.)"
    ]


def test_acha_keeps_the_question_open_and_the_nudge_speaks_swahili(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Shanga za kioo", stock=2)
    chat = new_chat("mnunuzi", locale_hint="sw")
    hello(chat, "sw")
    fill_cart(chat, collar, "Weka kikapuni")
    buyer = user_id_of(uow_factory, chat)

    assert nudge_abandoned_carts(uow_factory, AFTERNOON, CHANNELS) == [buyer]
    assert told(uow_factory, buyer)[-1].startswith("Uliacha Shanga za kioo kwenye kikapu chako.")
    chat.send(f"/start p-{collar}")
    question = chat.send("Weka kikapuni")
    assert chat.send("acha") == [
        "Sawa: hatutakukumbusha tena kuhusu kikapu chako. Kupata vikumbusho tena, tuma menyu, "
        "chagua “Zaidi”, kisha “Washa vikumbusho vya kikapu”."
    ]
    assert question  # the quantity question is still open: a number answers it
    assert chat.send("1")[-1].startswith("Nimeweka kikapuni: 2 × Shanga za kioo.")
