"""A buyer who ordered before is offered her last shipping details ("send it to the same
address?") instead of typing her name, address and country again; a changed address is
remembered next time. On Telegram and WhatsApp, in English and Swahili."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from store.models import Channel, Order
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.buying.conftest import BASE_URL
from tests.integration.conversations.buying_support import (
    COLLAR_USD,
    TO_GERMANY_USD,
    hello,
    seed_maker,
    seed_product,
    user_id_of,
)
from tests.integration.conversations.conftest import Chat


def buy_now(chat: Chat, product_id: int, word: str = "Buy now") -> list[str]:
    """Open the piece and buy one: what checkout asks first."""
    chat.send(f"/start p-{product_id}")
    chat.send(word)
    return chat.send("1")  # how many


def shipped_to(uow_factory: UnitOfWorkFactory, chat: Chat) -> list[tuple[str, str, str]]:
    buyer = user_id_of(uow_factory, chat)
    with uow_factory() as uow:
        rows = uow.session.execute(
            select(Order.shipping_name, Order.shipping_address, Order.shipping_country)
            .where(Order.buyer_user_id == buyer)
            .order_by(Order.id)
        )
        return [(name, address, country) for name, address, country in rows]


def test_on_telegram_she_sends_her_second_order_to_the_same_address_in_one_tap(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar", stock=3)
    chat = new_chat("anna", channel=Channel.TELEGRAM)
    hello(chat)
    assert buy_now(chat, collar) == ["Who should we send it to? Please type the full name."]
    chat.send("Anna Schmidt")
    chat.send("Hauptstr. 1\n10115 Berlin")
    chat.send("Germany")
    chat.send("Place order")

    assert buy_now(chat, collar) == [
        "Send it to the same address as last time?\n"
        "Anna Schmidt, Hauptstr. 1 10115 Berlin, Germany\n"
        "1. Yes, same address\n2. Change address"
    ]
    assert chat.tap("same") == [
        f"Please check your order:\n1 × Maasai collar — {COLLAR_USD}\nSubtotal: {COLLAR_USD}\n"
        f"Shipping to Germany: US$12\nTotal: {TO_GERMANY_USD}\n"
        "Delivery to Germany: 5 to 10 days after it ships.\n"
        "Ship to: Anna Schmidt, Hauptstr. 1 10115 Berlin, Germany\n"
        f"This order replaces your unpaid order {last_code(uow_factory, chat)}, which will "
        "be cancelled.\n1. Place order\n2. Change details"
    ]
    placed = chat.send("Place order")
    assert placed[1].startswith("Order SK-")
    assert placed[2].endswith(f"{BASE_URL}/pay/demo/{last_code(uow_factory, chat)}")
    assert (
        shipped_to(uow_factory, chat) == [("Anna Schmidt", "Hauptstr. 1\n10115 Berlin", "DE")] * 2
    )


def test_kwenye_whatsapp_anabadilisha_anwani_na_inakumbukwa_mara_ijayo(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar", stock=5)
    chat = new_chat("+254700111222", channel=Channel.WHATSAPP, locale_hint="sw")
    hello(chat, "sw")
    buy_now(chat, collar, "Nunua sasa")
    chat.send("Baraka Otieno")
    chat.send("Moi Avenue 1, Mombasa")
    chat.send("Kenya")
    chat.send("Weka oda")

    assert buy_now(chat, collar, "Nunua sasa") == [
        "Tutume kwenye anwani ile ile ya mara iliyopita?\n"
        "Baraka Otieno, Moi Avenue 1, Mombasa, Kenya\n"
        "1. Ndiyo, anwani ile ile\n2. Badilisha anwani"
    ]
    # Neither answer: she is asked again, and nothing she typed is kept as her name.
    assert chat.send("sawa")[-1].startswith("Tutume kwenye anwani ile ile ya mara iliyopita?")
    assert chat.send("hapana") == ["Tumtumie nani? Tafadhali andika jina kamili."]
    chat.send("Baraka Otieno")
    chat.send("Kenyatta Avenue 5, Nairobi")
    assert "Tuma kwa: Baraka Otieno, Kenyatta Avenue 5, Nairobi, Kenya" in chat.send("Kenya")[-1]
    chat.send("Weka oda")

    assert buy_now(chat, collar, "Nunua sasa")[0].startswith(
        "Tutume kwenye anwani ile ile ya mara iliyopita?\n"
        "Baraka Otieno, Kenyatta Avenue 5, Nairobi, Kenya\n"
    )
    assert "Tuma kwa: Baraka Otieno, Kenyatta Avenue 5, Nairobi, Kenya" in chat.send("1")[-1]
    chat.send("Weka oda")
    assert [address for _, address, _ in shipped_to(uow_factory, chat)] == [
        "Moi Avenue 1, Mombasa",
        "Kenyatta Avenue 5, Nairobi",
        "Kenyatta Avenue 5, Nairobi",
    ]


def test_on_whatsapp_in_english_yes_typed_is_the_same_address(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar", stock=3)
    chat = new_chat("+254700333444", channel=Channel.WHATSAPP)
    hello(chat)
    buy_now(chat, collar)
    chat.send("Lena Berg")
    chat.send("Storgatan 2, Stockholm")
    chat.send("SE")
    chat.send("Place order")

    assert buy_now(chat, collar)[0].startswith(
        "Send it to the same address as last time?\nLena Berg, Storgatan 2, Stockholm, Sweden\n"
    )
    assert "Ship to: Lena Berg, Storgatan 2, Stockholm, Sweden" in chat.send("yes")[-1]


def last_code(uow_factory: UnitOfWorkFactory, chat: Chat) -> str:
    buyer = user_id_of(uow_factory, chat)
    with uow_factory() as uow:
        code = uow.session.scalars(
            select(Order.code).where(Order.buyer_user_id == buyer).order_by(Order.id.desc())
        ).first()
    assert code is not None
    return code
