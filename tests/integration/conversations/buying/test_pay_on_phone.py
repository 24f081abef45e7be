"""A provider that sends a payment prompt to the buyer's phone (a mobile-money push): the chat
tells her to confirm it there, with the amount, in her language, and shows no link or "pay"
button; her order waits for the provider's word, and opening it again says the same."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.engine import ChatEngine
from conversations.flow import FlowRegistry
from conversations.marketplace import Marketplace
from store.models import Order, OrderStatus
from store.payment_port import Checkout, CheckoutLabels, ConfirmOnPhone, PromptState
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.buying_support import (
    TO_KENYA_USD,
    TO_KENYA_USD_SW,
    hello,
    open_menu_entry,
    seed_maker,
    seed_product,
)
from tests.integration.conversations.conftest import Chat, Clock

PHONE = "+254712345678"


@dataclass
class PhonePrompts:
    """Pushes a payment prompt to the buyer's phone; remembers the labels it was given."""

    name: str = "phone-prompt"
    labels: list[CheckoutLabels] = field(default_factory=list)
    state: PromptState = PromptState.SENDING

    def start_checkout(
        self,
        session: Session,
        order: Order,
        *,
        locale: str,
        labels: CheckoutLabels,
        now: datetime,
    ) -> Checkout:
        self.labels.append(labels)
        return Checkout(
            self.name, f"push_{order.code}", ConfirmOnPhone(PHONE, self.state), order.reserved_until
        )


def paid_by_phone(
    chat: Chat, registry: FlowRegistry, market: Marketplace, provider: PhonePrompts
) -> None:
    chat.engine = ChatEngine(
        chat.uow_factory, registry, replace(market, payments=provider), Clock()
    )


def place(chat: Chat, product_id: int, country: str) -> list[str]:
    chat.send(f"/start p-{product_id}")
    chat.tap(f"pc:buy:{product_id}")
    chat.send("Amina Otieno")
    chat.send("Moi Avenue 1, Mombasa")
    chat.send(country)
    return chat.tap("place")


def only_order(uow_factory: UnitOfWorkFactory) -> Order:
    with uow_factory() as uow:
        order = uow.session.scalars(select(Order)).one()
        uow.session.expunge_all()
        return order


def test_she_is_asked_to_confirm_on_her_phone(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    registry: FlowRegistry,
    market: Marketplace,
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    prompts = PhonePrompts()
    chat = new_chat("buyer")
    paid_by_phone(chat, registry, market, prompts)
    hello(chat)

    placed = place(chat, collar, "Kenya")
    code = only_order(uow_factory).code
    confirm = (
        f"Sending a payment request for {TO_KENYA_USD} to your phone 0712 345678… "
        "I will tell you here when it is there."
    )
    assert placed == [f"Order {code} is placed. We hold these pieces for 30 minutes.", confirm]
    assert prompts.labels[-1] == CheckoutLabels(f"Soko order {code}", "Shipping", "Handmade piece")

    open_menu_entry(chat, "purchases")
    detail = chat.send("1")[0]
    assert confirm in detail.split("\n")
    assert "Pay now" not in detail
    assert only_order(uow_factory).status is OrderStatus.PENDING_PAYMENT


def test_she_is_asked_in_swahili(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    registry: FlowRegistry,
    market: Marketplace,
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    prompts = PhonePrompts()
    chat = new_chat("mnunuzi", locale_hint="sw")
    paid_by_phone(chat, registry, market, prompts)
    hello(chat, "sw")

    placed = place(chat, collar, "Kenya")
    code = only_order(uow_factory).code
    assert (
        placed[1] == f"Tunatuma ombi la malipo ya {TO_KENYA_USD_SW} kwa simu yako 0712 345678… "
        "Nitakujulisha hapa likifika."
    )
    # The words the provider shows her itself come written in Swahili too.
    assert prompts.labels[-1] == CheckoutLabels(
        f"Oda ya Soko {code}", "Usafirishaji", "Kipande kilichotengenezwa kwa mkono"
    )


def test_her_order_says_where_the_prompt_on_her_phone_stands(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    registry: FlowRegistry,
    market: Marketplace,
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    prompts = PhonePrompts()
    chat = new_chat("mnunuzi", locale_hint="sw")
    paid_by_phone(chat, registry, market, prompts)
    hello(chat, "sw")
    place(chat, collar, "Kenya")
    code = only_order(uow_factory).code

    prompts.state = PromptState.SENT
    open_menu_entry(chat, "purchases")
    assert (
        f"Tumetuma ombi la malipo ya oda {code} kwa simu yako 0712 345678. Tafadhali "
        f"thibitisha malipo ya {TO_KENYA_USD_SW} hapo kwa PIN yako."
    ) in chat.send("1")[0].split("\n")

    prompts.state = PromptState.UNCONFIRMED
    open_menu_entry(chat, "purchases")
    detail = chat.send("1")[0].split("\n")
    assert (
        f"M-Pesa haijathibitisha kwamba simu yako 0712 345678 imepokea ombi la malipo ya oda "
        f"{code}. Likifika, tafadhali thibitisha malipo ya {TO_KENYA_USD_SW} hapo kwa "
        "PIN yako."
    ) in detail
    assert (
        "Ili usiombwe kulipa mara mbili, hatutumi ombi jingine kwa sasa. Lisipofika ndani ya "
        "dakika chache, nitakujulisha hapa."
    ) in detail
