"""Abandoned-cart nudges and the channels' rules: WhatsApp only inside the 24-hour window,
Telegram only for a recent cart, never a console session, never after `stop`, once per cart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.plugin import ChannelPlugin
from bot.plugins import capabilities_of, channel_capabilities
from bot.settings import Settings
from conversations.capabilities import ChannelCapabilities
from conversations.jobs.nudges import nudge_abandoned_carts
from store.models import Cart, CartItem, Channel, ProductStatus
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user
from tests.integration.jobs.jobs_support import MONDAY_9AM, reach_on, told

CHANNELS = channel_capabilities()  # what the registered channel plug-ins can do

NOW = MONDAY_9AM


def buyer_with_cart(
    uow_factory: UnitOfWorkFactory,
    channel: Channel,
    *,
    cart_idle: timedelta,
    last_wrote: timedelta | None = timedelta(hours=1),
    locale: str = "en",
    opted_out: bool = False,
    product_status: ProductStatus = ProductStatus.ACTIVE,
) -> int:
    with uow_factory() as uow:
        session = uow.session
        product = make_product(
            session, make_artisan(session), title="Kazuri bangle", status=product_status
        )
        buyer = make_user(session, "Buyer", locale=locale, channel=Channel.CONSOLE)
        buyer.nudges_opted_out = opted_out
        if channel is not Channel.CONSOLE:
            reach_on(
                session,
                buyer,
                channel,
                last_wrote=NOW - last_wrote if last_wrote is not None else None,
            )
        cart = Cart(user_id=buyer.id, updated_at=NOW - cart_idle)
        cart.items.append(CartItem(product_id=product.id, quantity=1))
        session.add(cart)
        uow.commit()
        return buyer.id


def cart_of(uow_factory: UnitOfWorkFactory, user_id: int) -> Cart:
    with uow_factory(read_only=True) as uow:
        return uow.session.scalars(select(Cart).where(Cart.user_id == user_id)).one()


def test_whatsapp_nudges_only_inside_the_24_hour_window(uow_factory: UnitOfWorkFactory) -> None:
    inside = buyer_with_cart(
        uow_factory, Channel.WHATSAPP, cart_idle=timedelta(hours=4), last_wrote=timedelta(hours=4)
    )
    closing = buyer_with_cart(  # the window shuts in a minute: too late to start a message
        uow_factory,
        Channel.WHATSAPP,
        cart_idle=timedelta(hours=24),
        last_wrote=timedelta(hours=23, minutes=59),
    )
    outside = buyer_with_cart(
        uow_factory, Channel.WHATSAPP, cart_idle=timedelta(hours=26), last_wrote=timedelta(hours=25)
    )
    assert nudge_abandoned_carts(uow_factory, NOW, CHANNELS) == [inside]
    [nudge] = told(uow_factory, inside)
    assert nudge.channel is Channel.WHATSAPP
    assert nudge.template == ""  # a nudge is never worth a template
    assert told(uow_factory, closing) == told(uow_factory, outside) == []
    assert cart_of(uow_factory, outside).nudged_at is None  # free to be nudged if she writes


def test_telegram_has_no_window_but_an_old_cart_is_left_alone(
    uow_factory: UnitOfWorkFactory,
) -> None:
    recent = buyer_with_cart(
        uow_factory, Channel.TELEGRAM, cart_idle=timedelta(days=2), last_wrote=timedelta(days=2)
    )
    old = buyer_with_cart(
        uow_factory, Channel.TELEGRAM, cart_idle=timedelta(days=5), last_wrote=timedelta(days=5)
    )
    just_left = buyer_with_cart(uow_factory, Channel.TELEGRAM, cart_idle=timedelta(minutes=30))
    assert nudge_abandoned_carts(uow_factory, NOW, CHANNELS) == [recent]
    assert told(uow_factory, old) == told(uow_factory, just_left) == []


@pytest.mark.parametrize(
    "case",
    [
        {"channel": Channel.CONSOLE},
        {"channel": Channel.TELEGRAM, "opted_out": True},
        {"channel": Channel.TELEGRAM, "product_status": ProductStatus.SOLD_OUT},
    ],
    ids=["console", "opted-out", "sold-out"],
)
def test_nobody_is_nudged_who_should_not_be(
    uow_factory: UnitOfWorkFactory, case: dict[str, object]
) -> None:
    buyer = buyer_with_cart(uow_factory, cart_idle=timedelta(hours=5), **case)  # type: ignore[arg-type]
    assert nudge_abandoned_carts(uow_factory, NOW, CHANNELS) == []
    assert told(uow_factory, buyer) == []


def test_a_cart_is_nudged_once_until_it_changes(uow_factory: UnitOfWorkFactory) -> None:
    buyer = buyer_with_cart(
        uow_factory, Channel.TELEGRAM, cart_idle=timedelta(hours=5), locale="sw"
    )
    assert nudge_abandoned_carts(uow_factory, NOW, CHANNELS) == [buyer]
    for later in (timedelta(minutes=15), timedelta(days=1)):
        assert nudge_abandoned_carts(uow_factory, NOW + later, CHANNELS) == []
    changed = NOW + timedelta(days=1)
    with uow_factory() as uow:
        cart = uow.session.scalars(select(Cart).where(Cart.user_id == buyer)).one()
        cart.updated_at = changed  # she came back and added something: a new cart
        uow.commit()
    assert (
        nudge_abandoned_carts(uow_factory, changed + timedelta(hours=1), CHANNELS) == []
    )  # not idle yet
    assert nudge_abandoned_carts(
        uow_factory, changed + timedelta(hours=4), channel_capabilities()
    ) == [buyer]
    texts = [row.payload["text"] for row in told(uow_factory, buyer)]
    assert len(texts) == 2
    assert all(text.startswith("Uliacha Kazuri bangle kwenye kikapu chako.") for text in texts)
    assert all("Tuma ACHA" in text for text in texts)


def test_runs_at_the_same_time_nudge_once(uow_factory: UnitOfWorkFactory) -> None:
    buyer = buyer_with_cart(uow_factory, Channel.TELEGRAM, cart_idle=timedelta(hours=5))
    first = nudge_abandoned_carts(uow_factory, NOW, CHANNELS)
    second = nudge_abandoned_carts(uow_factory, NOW + timedelta(seconds=1), CHANNELS)
    assert first + second == [buyer]
    assert len(told(uow_factory, buyer)) == 1


class RemindingChat(ChannelPlugin):
    """A new channel (played by the console) whose people may be reminded unasked."""

    name = "reminding chat"
    channel = Channel.CONSOLE
    capabilities = ChannelCapabilities(reminds=True, reminder_max_age=timedelta(days=1))

    @classmethod
    def enabled(cls, settings: Settings) -> bool:
        return True


def test_the_channel_plug_in_says_who_is_reminded_not_the_channel_name(
    uow_factory: UnitOfWorkFactory,
) -> None:
    recent = buyer_with_cart(uow_factory, Channel.CONSOLE, cart_idle=timedelta(hours=4))
    old = buyer_with_cart(uow_factory, Channel.CONSOLE, cart_idle=timedelta(days=2))
    assert nudge_abandoned_carts(uow_factory, NOW, CHANNELS) == []
    assert nudge_abandoned_carts(uow_factory, NOW, capabilities_of([RemindingChat])) == [recent]
    assert told(uow_factory, old) == []
