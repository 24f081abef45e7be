"""Which provider a buyer pays with is chosen in `bot/` from what each provider plug-in says it
serves — channel, currency, country — in the order `bot/plugins.py` registers them; where none
serves her, paying is not open."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import SecretStr
from sqlalchemy.orm import Session

from bot.container import Container
from bot.plugin import ProviderPlugin
from bot.plugins import ProviderChoice
from bot.settings import Settings
from store.models import Channel, Order
from store.payment_port import (
    Checkout,
    CheckoutLabels,
    NoPayments,
    OpenLink,
    PaymentMethod,
    payment_methods,
    provider_for,
    takes_payments,
)

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


class Recorded:
    def __init__(self, name: str) -> None:
        self.name = name

    def start_checkout(
        self,
        session: Session,
        order: Order,
        *,
        locale: str,
        labels: CheckoutLabels,
        now: datetime,
    ) -> Checkout:
        return Checkout(
            self.name, f"{self.name}:{order.code}", OpenLink(f"https://{self.name}.test/")
        )


class MobileMoney(ProviderPlugin):
    """A provider for buyers in Kenya paying in shillings, on WhatsApp only."""

    name = "mobile-money"

    @classmethod
    def enabled(cls, settings: Settings) -> bool:
        return True

    @property
    def port(self) -> Recorded:
        return self.container.once(self.name, lambda: Recorded(self.name))

    def serves(self, channel: Channel, currency: str, country: str) -> bool:
        return channel is Channel.WHATSAPP and currency == "KES" and country in ("KE", "")


class Cards(MobileMoney):
    name = "cards"

    def serves(self, channel: Channel, currency: str, country: str) -> bool:
        return currency != "KES"


MPESA = PaymentMethod("mpesa", "KES", asks_phone=True, home_country="KE")
CARD = PaymentMethod("card", None)


class Mpesa(MobileMoney):
    """A phone-prompt method in shillings, on every channel."""

    name = "mpesa"
    method = MPESA

    def serves(self, channel: Channel, currency: str, country: str) -> bool:
        return currency == "KES"


class AllCards(MobileMoney):
    name = "all-cards"

    def serves(self, channel: Channel, currency: str, country: str) -> bool:
        return True


class TelegramCards(AllCards):
    name = "telegram-cards"

    def serves(self, channel: Channel, currency: str, country: str) -> bool:
        return channel is Channel.TELEGRAM


def order(channel: Channel, currency: str, country: str, method: str = "") -> Order:
    return Order(
        code="SK-1",
        channel=channel,
        currency=currency,
        shipping_country=country,
        payment_method=method,
    )


def container(store_currency: str) -> Container:
    return Container(Settings(store_currency=store_currency, telegram_bot_token=SecretStr("")))


def test_each_checkout_goes_to_the_first_provider_that_serves_the_order() -> None:
    shop = container("KES")
    choice = ProviderChoice([MobileMoney(shop), Cards(shop)], "KES")

    def paid_with(channel: Channel, currency: str, country: str) -> str:
        return choice.start_checkout(
            None,  # type: ignore[arg-type]
            order(channel, currency, country),
            locale="en",
            labels=CheckoutLabels("Soko order SK-1", "Shipping", "Handmade piece"),
            now=NOW,
        ).provider

    assert paid_with(Channel.WHATSAPP, "KES", "KE") == "mobile-money"
    assert paid_with(Channel.WHATSAPP, "USD", "KE") == "cards"
    assert paid_with(Channel.TELEGRAM, "EUR", "DE") == "cards"


def paid_with(choice: ProviderChoice, placed: Order) -> str:
    labels = CheckoutLabels("Soko order SK-1", "Shipping", "Handmade piece")
    return choice.start_checkout(
        None,  # type: ignore[arg-type]
        placed,
        locale="en",
        labels=labels,
        now=NOW,
    ).provider


def test_a_provider_pays_by_card_in_the_store_currency_unless_it_says_otherwise() -> None:
    assert ProviderPlugin.method == CARD
    assert Cards.method == CARD


def test_the_methods_on_for_a_channel_in_order_of_preference_each_once() -> None:
    shop = container("USD")
    choice = ProviderChoice([Mpesa(shop), TelegramCards(shop), AllCards(shop)], "USD")
    assert payment_methods(choice, Channel.TELEGRAM) == (MPESA, CARD)
    assert payment_methods(choice, Channel.WHATSAPP) == (MPESA, CARD)
    only_cards = ProviderChoice([TelegramCards(shop), AllCards(shop)], "USD")
    assert payment_methods(only_cards, Channel.WHATSAPP) == (CARD,)


def test_a_single_provider_or_none_offers_one_method_or_none() -> None:
    shop = container("USD")
    assert payment_methods(AllCards(shop).port, Channel.WEB) == (CARD,)
    assert payment_methods(NoPayments(), Channel.WEB) == ()
    closed = ProviderChoice([MobileMoney(container("USD"))], "USD")
    assert payment_methods(closed, Channel.TELEGRAM) == ()


def test_an_order_goes_to_the_provider_of_the_method_she_chose() -> None:
    shop = container("KES")
    choice = ProviderChoice([Mpesa(shop), TelegramCards(shop), AllCards(shop)], "KES")
    # A shilling store still lets a card buyer pay by card.
    assert paid_with(choice, order(Channel.WHATSAPP, "KES", "KE", "card")) == "all-cards"
    assert paid_with(choice, order(Channel.TELEGRAM, "KES", "KE", "card")) == "telegram-cards"
    assert paid_with(choice, order(Channel.WHATSAPP, "KES", "KE", "mpesa")) == "mpesa"
    # An order that chose nothing (older orders) goes to the first that serves it.
    assert paid_with(choice, order(Channel.WHATSAPP, "KES", "KE")) == "mpesa"


def test_a_method_no_longer_on_falls_back_to_the_first_that_serves_the_order() -> None:
    shop = container("USD")
    choice = ProviderChoice([TelegramCards(shop), AllCards(shop)], "USD")
    assert paid_with(choice, order(Channel.WHATSAPP, "USD", "DE", "mpesa")) == "all-cards"


def test_where_no_provider_serves_the_buyer_paying_is_not_open() -> None:
    choice = ProviderChoice([MobileMoney(container("KES"))], "KES")
    assert takes_payments(choice, Channel.WHATSAPP)
    assert not takes_payments(choice, Channel.TELEGRAM)
    assert isinstance(provider_for(choice, Channel.TELEGRAM), NoPayments)
