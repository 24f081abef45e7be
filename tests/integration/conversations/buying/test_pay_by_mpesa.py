"""Two ways to pay: by card in the store currency, or by M-Pesa in shillings with a prompt on
the phone. A Kenyan buyer is offered both at the summary, each with its total; she picks
M-Pesa, says which number to charge, and the order is placed in KES with that number. A buyer
elsewhere is offered card alone but may still type "M-Pesa"."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import NamedTuple

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.engine import ChatEngine
from conversations.flow import FlowRegistry
from conversations.marketplace import Marketplace
from conversations.messages import Contact, Inbound
from payments.events import (
    PhonePaymentFailed,
    PhonePaymentFailure,
    PhonePaymentPrompted,
    PhonePaymentUnconfirmed,
)
from store import events
from store.models import Channel, Order
from store.payment_port import (
    CARD,
    Checkout,
    CheckoutLabels,
    ConfirmOnPhone,
    OpenLink,
    PaymentMethod,
    PromptState,
)
from store.services import orders
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.buying_support import (
    COLLAR_USD,
    COLLAR_USD_SW,
    hello,
    seed_maker,
    seed_product,
)
from tests.integration.conversations.conftest import Chat, Clock

MPESA = PaymentMethod("mpesa", "KES", asks_phone=True, home_country="KE")
# 1,800 KES with the 40% markup, no exchange: KSh 2,520 (as Babel writes it in each language).
COLLAR_KES = "Ksh2,520"
# With a parcel of one to Kenya: KSh 500 (US$4); to Germany: KSh 1,550 (US$12).
KENYA_KES = "Ksh3,020"
KENYA_KES_SW = "Ksh\xa03,020"
KENYA_KES_MINOR = 302_000
KENYA_USD = "US$23.40"
KENYA_USD_SW = "US$\xa023.40"
GERMANY_KES = "Ksh4,070"
GERMANY_USD = "US$31.40"


@dataclass
class TwoWays:
    """A port with card and M-Pesa on every channel: card orders get a link, M-Pesa orders a
    prompt to the order's number (remembered, as the number and amount charged)."""

    name: str = "two-ways"
    prompts: list[tuple[str, str, int, str]] = field(default_factory=list)
    state: PromptState = PromptState.SENDING  # where the prompt it answers with stands

    def methods(self, channel: Channel) -> tuple[PaymentMethod, ...]:
        return (MPESA, CARD)

    def start_checkout(
        self,
        session: Session,
        order: Order,
        *,
        locale: str,
        labels: CheckoutLabels,
        now: datetime,
    ) -> Checkout:
        if order.payment_method == "mpesa":
            assert order.payer_phone is not None
            self.prompts.append((order.code, order.payer_phone, order.total_minor, order.currency))
            prompt = ConfirmOnPhone(order.payer_phone, self.state)
            return Checkout("mpesa", f"push_{len(self.prompts)}", prompt)
        return Checkout("card", f"cs_{order.code}", OpenLink(f"https://pay.test/{order.code}"))


@dataclass
class WhatsAppBuyer(Chat):
    """Writing on WhatsApp: her platform id is her number, and Twilio vouches for it."""

    channel: Channel = Channel.WHATSAPP

    def inbound(self, text: str = "", **kwargs: object) -> Inbound:
        message = super().inbound(text, **kwargs)  # type: ignore[arg-type]
        return dataclasses.replace(message, verified_phone=self.platform_user_id)


def paying_two_ways(chat: Chat, registry: FlowRegistry, market: Marketplace, port: TwoWays) -> None:
    chat.engine = ChatEngine(chat.uow_factory, registry, replace(market, payments=port), Clock())


def on_whatsapp(
    chat: Chat, phone: str, registry: FlowRegistry, market: Marketplace, port: TwoWays
) -> WhatsAppBuyer:
    buyer = WhatsAppBuyer(
        chat.engine, chat.uow_factory, chat.intake, phone, locale_hint=chat.locale_hint
    )
    paying_two_ways(buyer, registry, market, port)
    return buyer


def to_summary(chat: Chat, product_id: int, country: str, buy: str = "pc:buy") -> list[str]:
    chat.send(f"/start p-{product_id}")
    chat.tap(f"{buy}:{product_id}")
    chat.send("Amina Otieno")
    chat.send("Moi Avenue 1, Mombasa")
    return chat.send(country)


def only_order(uow_factory: UnitOfWorkFactory) -> Order:
    with uow_factory() as uow:
        order = uow.session.scalars(select(Order)).one()
        uow.session.expunge_all()
        return order


def test_a_kenyan_buyer_on_whatsapp_pays_with_m_pesa_from_her_own_number(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    registry: FlowRegistry,
    market: Marketplace,
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    port = TwoWays()
    chat = on_whatsapp(new_chat("x"), "+254712345678", registry, market, port)
    hello(chat)

    summary = to_summary(chat, collar, "Kenya")
    assert summary[-1] == (
        f"Please check your order:\n1 × Maasai collar — {COLLAR_USD}\n"
        f"Subtotal: {COLLAR_USD}\nShipping to Kenya: US$4\nTotal: {KENYA_USD}\n"
        "Delivery to Kenya: 1 to 3 days after it ships.\n"
        f"With M-Pesa: {COLLAR_KES} + Ksh500 shipping = {KENYA_KES}\n"
        "Ship to: Amina Otieno, Moi Avenue 1, Mombasa, Kenya\n"
        f"1. Pay with M-Pesa · {KENYA_KES}\n2. Pay by card · {KENYA_USD}\n3. Change details"
    )
    assert chat.send("1") == ["Which M-Pesa number should we charge?\n1. Use 0712 345678"]
    placed = chat.send("1")
    order = only_order(uow_factory)
    assert placed == [
        f"Order {order.code} is placed. We hold these pieces for 30 minutes.",
        f"Sending a payment request for {KENYA_KES} to your phone 0712 345678… "
        "I will tell you here when it is there.",
    ]
    assert (order.payment_method, order.payer_phone) == ("mpesa", "+254712345678")
    assert (order.currency, order.subtotal_minor, order.shipping_minor) == ("KES", 252_000, 50_000)
    assert order.total_minor == KENYA_KES_MINOR
    assert port.prompts == [(order.code, "+254712345678", KENYA_KES_MINOR, "KES")]


def test_in_swahili_she_types_m_pesa_and_then_her_number(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    registry: FlowRegistry,
    market: Marketplace,
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    port = TwoWays()
    chat = on_whatsapp(new_chat("x", locale_hint="sw"), "+254712345678", registry, market, port)
    hello(chat, "sw")

    summary = to_summary(chat, collar, "Kenya")
    assert summary[-1] == (
        f"Tafadhali angalia oda yako:\n1 × Maasai collar — {COLLAR_USD_SW}\n"
        f"Jumla ndogo: {COLLAR_USD_SW}\nUsafirishaji hadi Kenya: US$\xa04\n"
        f"Jumla: {KENYA_USD_SW}\nKufika Kenya: siku 1 hadi 3 baada ya kutumwa.\n"
        f"Kwa M-Pesa: Ksh\xa02,520 + Ksh\xa0500 usafirishaji = {KENYA_KES_SW}\n"
        "Tuma kwa: Amina Otieno, Moi Avenue 1, Mombasa, Kenya\n"
        f"1. Lipa kwa M-Pesa · {KENYA_KES_SW}\n2. Lipa kwa kadi · {KENYA_USD_SW}\n"
        "3. Badilisha maelezo"
    )
    assert chat.send("M-Pesa") == [
        "Tutume ombi la malipo kwa namba gani ya M-Pesa?\n1. Tumia 0712 345678"
    ]
    placed = chat.send("0722 000 111")
    order = only_order(uow_factory)
    assert placed[1] == (
        f"Tunatuma ombi la malipo ya {KENYA_KES_SW} kwa simu yako 0722 000111… "
        "Nitakujulisha hapa likifika."
    )
    assert order.payer_phone == "+254722000111"


def test_on_telegram_she_types_her_number_in_her_own_digits(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    registry: FlowRegistry,
    market: Marketplace,
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    port = TwoWays()
    chat = new_chat("layla")
    paying_two_ways(chat, registry, market, port)
    hello(chat)

    to_summary(chat, collar, "Kenya")  # shipping to Kenya: M-Pesa is offered
    assert chat.tap("payby:mpesa") == ["Which M-Pesa number should we charge?"]
    placed = chat.send("٠٧١٢ ٣٤٥ ٦٧٨")
    assert placed[1].startswith(
        f"Sending a payment request for {KENYA_KES} to your phone 0712 345678…"
    )
    assert only_order(uow_factory).payer_phone == "+254712345678"


def test_a_wrong_number_is_refused_kindly_and_asked_again(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    registry: FlowRegistry,
    market: Marketplace,
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    port = TwoWays()
    chat = new_chat("layla")
    paying_two_ways(chat, registry, market, port)
    hello(chat)
    to_summary(chat, collar, "KE")
    chat.tap("payby:mpesa")

    assert chat.send("+49 1511 2345678") == [
        "Sorry, “+49 1511 2345678” is not a mobile number from Kenya. "
        "Please type it like 0712 123456.",
        "Which M-Pesa number should we charge?",
    ]
    assert chat.send("020 1234567")[0].startswith("Sorry, “020 1234567” is not a mobile")
    with uow_factory() as uow:
        assert uow.session.scalars(select(Order)).first() is None
    assert chat.send("+254 712 345 678")[0].startswith("Order SK-")
    assert port.prompts[0][1] == "+254712345678"


def test_a_buyer_in_berlin_sees_card_alone_and_may_still_type_m_pesa(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    registry: FlowRegistry,
    market: Marketplace,
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    port = TwoWays()
    chat = new_chat("anna")
    paying_two_ways(chat, registry, market, port)
    hello(chat)

    summary = to_summary(chat, collar, "Germany")
    assert summary[-1].endswith("1. Place order\n2. Change details")
    assert chat.send("M-Pesa") == ["Which M-Pesa number should we charge?"]
    assert chat.send("0712345678")[0].startswith("Order SK-")
    order = only_order(uow_factory)
    assert (order.payment_method, order.currency) == ("mpesa", "KES")


def test_a_buyer_in_berlin_places_a_card_order_as_before(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    registry: FlowRegistry,
    market: Marketplace,
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    port = TwoWays()
    chat = new_chat("anna")
    paying_two_ways(chat, registry, market, port)
    hello(chat)
    to_summary(chat, collar, "Germany")

    placed = chat.send("Place order")
    order = only_order(uow_factory)
    assert (
        placed[1]
        == f"Please pay with the link below.\nPay {GERMANY_USD}: https://pay.test/{order.code}"
    )
    assert (order.payment_method, order.currency, order.payer_phone) == ("card", "USD", None)
    assert port.prompts == []


def test_her_shared_kenyan_contact_brings_m_pesa_and_her_number(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    registry: FlowRegistry,
    market: Marketplace,
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    port = TwoWays()
    chat = new_chat("wanjiku")
    paying_two_ways(chat, registry, market, port)
    hello(chat)
    chat.deliver(
        dataclasses.replace(
            chat.inbound(),
            contact=Contact("+254712345678", is_own=True),
            verified_phone="+254712345678",
        )
    )

    summary = to_summary(chat, collar, "Germany")  # a gift abroad: her number is Kenyan
    assert f"1. Pay with M-Pesa · {GERMANY_KES}" in summary[-1]
    assert chat.send("Pay by card")[1].startswith("Please pay with the link below.")
    assert only_order(uow_factory).payment_method == "card"


def test_old_buttons_still_work(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    registry: FlowRegistry,
    market: Marketplace,
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    port = TwoWays()
    chat = on_whatsapp(new_chat("x"), "+254712345678", registry, market, port)
    hello(chat)
    to_summary(chat, collar, "Kenya")

    # "Place order" from a summary shown before M-Pesa was on: the summary again.
    again = chat.tap("place")
    assert again[0] == "That button is from an earlier message."
    assert again[1].endswith(
        f"1. Pay with M-Pesa · {KENYA_KES}\n2. Pay by card · {KENYA_USD}\n3. Change details"
    )
    assert chat.tap("payby:mpesa") == ["Which M-Pesa number should we charge?\n1. Use 0712 345678"]
    # The summary's choice tapped again while the number is asked: the question again.
    assert chat.tap("payby:card") == [
        "That button is from an earlier message.",
        "Which M-Pesa number should we charge?\n1. Use 0712 345678",
    ]
    chat.tap("usenum:+254712345678")
    code = only_order(uow_factory).code
    # Paying again from My orders goes the same way, to the same number, once she asks.
    chat.send("menu")
    chat.tap("menu:purchases")
    chat.send("1")
    assert chat.send("Try again") == [
        f"Sending a payment request for {KENYA_KES} to your phone 0712 345678… "
        "I will tell you here when it is there."
    ]
    assert port.prompts == [(code, "+254712345678", KENYA_KES_MINOR, "KES")] * 2


NOW = datetime(2025, 3, 1, 8, 5, tzinfo=UTC)


def prompt_failed(
    uow_factory: UnitOfWorkFactory, reason: PhonePaymentFailure, phone: str = "+254712345678"
) -> None:
    """The provider's word that the prompt took no money, as payments publish it."""
    with uow_factory() as uow:
        order = uow.session.scalars(select(Order)).one()
        events.publish(uow.session, PhonePaymentFailed(order, phone, reason), NOW)
        uow.commit()


def prompt_answered(
    uow_factory: UnitOfWorkFactory, event: type[PhonePaymentPrompted | PhonePaymentUnconfirmed]
) -> None:
    """The provider's answer to sending the prompt (`prompt`: the same prompt each time)."""
    with uow_factory() as uow:
        order = uow.session.scalars(select(Order)).one()
        events.publish(uow.session, event(order, "+254712345678", "push_1"), NOW)
        uow.commit()


def placed_by_mpesa(chat: Chat, product_id: int) -> None:
    to_summary(chat, product_id, "Kenya")
    chat.tap("payby:mpesa")
    chat.tap("usenum:+254712345678")


class PlacedByMpesa(NamedTuple):
    chat: Chat
    port: TwoWays
    code: str


@pytest.fixture
def by_mpesa(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    registry: FlowRegistry,
    market: Marketplace,
) -> Callable[..., PlacedByMpesa]:
    """A buyer on WhatsApp (+254712345678, in `locale`) who placed an order for a collar to
    Kenya and chose M-Pesa with her own number."""

    def placed(locale: str = "en") -> PlacedByMpesa:
        collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
        port = TwoWays()
        chat = on_whatsapp(
            new_chat("x", locale_hint=locale), "+254712345678", registry, market, port
        )
        hello(chat, locale)
        placed_by_mpesa(chat, collar)
        return PlacedByMpesa(chat, port, only_order(uow_factory).code)

    return placed


def test_a_cancelled_prompt_is_explained_and_she_tries_again(
    uow_factory: UnitOfWorkFactory, by_mpesa: Callable[..., PlacedByMpesa]
) -> None:
    chat, port, code = by_mpesa()

    before = chat.last_outbox_id()
    prompt_failed(uow_factory, PhonePaymentFailure.CANCELLED)
    assert chat.answers_since(before) == [
        f"The payment request for order {code} was cancelled on your phone 0712 345678.\n"
        "Your order is still waiting for payment. Try again, or use another number?\n"
        "1. Try again\n2. Use another number"
    ]
    # On WhatsApp she types the button's words.
    assert chat.send("Try again") == [
        f"Sending a payment request for {KENYA_KES} to your phone 0712 345678… "
        "I will tell you here when it is there."
    ]
    assert [prompt[1] for prompt in port.prompts] == ["+254712345678"] * 2


def test_she_is_told_when_the_prompt_is_on_her_phone_once(
    uow_factory: UnitOfWorkFactory, by_mpesa: Callable[..., PlacedByMpesa]
) -> None:
    chat, _, code = by_mpesa()

    before = chat.last_outbox_id()
    prompt_answered(uow_factory, PhonePaymentPrompted)
    prompt_answered(uow_factory, PhonePaymentPrompted)  # the same answer again
    assert chat.answers_since(before) == [
        f"We sent the payment request for order {code} to your phone 0712 345678. "
        f"Please confirm the payment of {KENYA_KES} there with your PIN."
    ]


def test_a_prompt_not_confirmed_says_what_she_can_do(
    uow_factory: UnitOfWorkFactory, by_mpesa: Callable[..., PlacedByMpesa]
) -> None:
    chat, _, code = by_mpesa()

    before = chat.last_outbox_id()
    prompt_answered(uow_factory, PhonePaymentUnconfirmed)
    prompt_answered(uow_factory, PhonePaymentUnconfirmed)
    not_confirmed = (
        f"M-Pesa has not confirmed that the payment request for order {code} reached your "
        f"phone 0712 345678. If it comes, please confirm the payment of {KENYA_KES} there "
        "with your PIN."
    )
    assert chat.answers_since(before) == [
        f"{not_confirmed}\n"
        "If nothing comes within a few minutes, I will tell you here, and you can try again "
        "or use another number."
    ]


def test_she_uses_another_number_after_a_prompt_ran_out_of_money(
    uow_factory: UnitOfWorkFactory, by_mpesa: Callable[..., PlacedByMpesa]
) -> None:
    chat, port, code = by_mpesa()

    before = chat.last_outbox_id()
    prompt_failed(uow_factory, PhonePaymentFailure.NO_FUNDS)
    assert chat.answers_since(before)[0].startswith(
        f"The payment for order {code} did not go through: there was not enough money on "
        "0712 345678.\n"
    )
    assert chat.send("2") == ["Which M-Pesa number should we charge?\n1. Use 0712 345678"]
    assert chat.send("0722 000 111") == [
        f"Sending a payment request for {KENYA_KES} to your phone 0722 000111… "
        "I will tell you here when it is there."
    ]
    assert only_order(uow_factory).payer_phone == "+254722000111"
    assert port.prompts[-1] == (code, "+254722000111", KENYA_KES_MINOR, "KES")


def test_in_swahili_a_wrong_pin_and_another_number(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    registry: FlowRegistry,
    market: Marketplace,
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    port = TwoWays()
    chat = new_chat("layla", locale_hint="sw")
    paying_two_ways(chat, registry, market, port)
    hello(chat, "sw")
    to_summary(chat, collar, "Kenya")
    chat.tap("payby:mpesa")
    chat.send("0712 345 678")
    order = only_order(uow_factory)

    before = chat.last_outbox_id()
    prompt_failed(uow_factory, PhonePaymentFailure.WRONG_PIN)
    assert chat.answers_since(before) == [
        f"Malipo ya oda {order.code} hayakufanikiwa: PIN iliyowekwa kwenye 0712 345678 "
        "haikuwa sahihi.\n"
        "Oda yako bado inasubiri malipo. Ujaribu tena, au utumie namba nyingine?\n"
        "1. Jaribu tena\n2. Tumia namba nyingine"
    ]
    # On Telegram she taps the buttons.
    assert chat.tap(f"ppnum:{order.id}") == ["Tutume ombi la malipo kwa namba gani ya M-Pesa?"]
    assert chat.send("0722 000 111") == [
        f"Tunatuma ombi la malipo ya {KENYA_KES_SW} kwa simu yako 0722 000111… "
        "Nitakujulisha hapa likifika."
    ]
    assert chat.tap(f"ppagn:{order.id}")[0].startswith(
        f"Tunatuma ombi la malipo ya {KENYA_KES_SW} kwa simu yako 0722"
    )


def test_an_old_notice_for_an_order_no_longer_waiting_is_answered_kindly(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    registry: FlowRegistry,
    market: Marketplace,
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    port = TwoWays()
    chat = new_chat("layla")
    paying_two_ways(chat, registry, market, port)
    hello(chat)
    to_summary(chat, collar, "Kenya")
    chat.tap("payby:mpesa")
    chat.send("0712 345 678")
    order = only_order(uow_factory)
    prompt_failed(uow_factory, PhonePaymentFailure.TIMED_OUT)
    with uow_factory() as uow:
        orders.cancel_order(uow.session, order.buyer_user_id, order.id, NOW)
        uow.commit()

    no_longer = f"Order {order.code} is no longer waiting for payment.\n1. My orders"
    assert chat.tap(f"ppagn:{order.id}") == [no_longer]
    assert chat.tap(f"ppnum:{order.id}") == [no_longer]
    assert only_order(uow_factory).payer_phone == "+254712345678"
    assert len(port.prompts) == 1

    # Someone else's order is not hers to pay or change.
    other = new_chat("mallory")
    paying_two_ways(other, registry, market, port)
    hello(other)
    assert other.tap(f"ppnum:{order.id}")[0] == "That button is from an earlier message."


def test_asked_her_m_pesa_number_she_says_kadi_and_pays_by_card(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    registry: FlowRegistry,
    market: Marketplace,
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    port = TwoWays()
    chat = on_whatsapp(new_chat("x", locale_hint="sw"), "+254712345678", registry, market, port)
    hello(chat, "sw")
    to_summary(chat, collar, "Kenya")
    chat.send("1")  # Lipa kwa M-Pesa

    placed = chat.send("kadi")
    order = only_order(uow_factory)
    assert placed[1] == (
        f"Tafadhali lipa kupitia kiungo hiki.\nLipa {KENYA_USD_SW}: https://pay.test/{order.code}"
    )
    assert (order.payment_method, order.currency, order.payer_phone) == ("card", "USD", None)


def test_looking_at_her_order_after_a_failed_prompt_does_not_prompt_her_phone(
    uow_factory: UnitOfWorkFactory, by_mpesa: Callable[..., PlacedByMpesa]
) -> None:
    chat, port, _ = by_mpesa("sw")
    prompt_failed(uow_factory, PhonePaymentFailure.NO_FUNDS)
    order = only_order(uow_factory)

    # She only looks at her order (twice): her phone is not asked for her PIN again.
    chat.send("menu")
    chat.tap("menu:purchases")
    detail = chat.send("1")[0]
    chat.send("4")
    chat.send("1")
    assert detail.split("\n")[-5:] == [
        "Oda yako bado inasubiri malipo. Ujaribu tena, au utumie namba nyingine?",
        "1. Jaribu tena",
        "2. Tumia namba nyingine",
        "3. Ghairi oda",
        "4. Rudi",
    ]
    assert len(port.prompts) == 1
    # She asks for it: then the prompt goes out.
    assert chat.tap(f"ppagn:{order.id}")[0].startswith("Tunatuma ombi la malipo")
    assert len(port.prompts) == 2
