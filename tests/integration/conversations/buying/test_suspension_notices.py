"""What a buyer is told when a suspension cancels her unpaid order, on both databases: which
of its pieces belong to the shop that closed, and, when the order also held another shop's
pieces, that those are still for sale and how to order them again (her cart was emptied when
she placed the order)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conversations.notify.suspension import tell_buyers_cancelled
from store.models import Category, Channel
from store.pricing import PricingPolicy
from store.services import carts, orders, suspension
from store.services.audit import Actor
from store.services.shipping import ShippingDetails
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user
from tests.integration.conversations.artisans_support import messages_to

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
POLICY = PricingPolicy.from_strings("USD", {"KES/USD": "0.0077"}, 4000, 500)
SHIPPING = ShippingDetails("Amy Buyer", "1 Main St, Springfield", "US")


def cancelled_notice(uow_factory: UnitOfWorkFactory, locale: str, *, mixed: bool) -> str:
    with uow_factory() as uow:
        s = uow.session
        buyer = make_user(s, "Amy", locale=locale)
        wanjiru, akinyi = make_artisan(s, "Wanjiru"), make_artisan(s, "Akinyi")
        ring = make_product(
            s, wanjiru, title="Copper ring", category=Category.RING, stock=3, materials=["copper"]
        )
        other = make_product(s, akinyi, title="Glass necklace", materials=["glass"])
        carts.add_to_cart(s, buyer.id, ring.id, 2, now=NOW)
        if mixed:
            carts.add_to_cart(s, buyer.id, other.id, now=NOW)
        orders.place_order(s, buyer.id, Channel.CONSOLE, POLICY, SHIPPING, NOW)
        change = suspension.suspend_shop(s, Actor.operator(), wanjiru.id, NOW, reason="test")
        tell_buyers_cancelled(s, list(change.cancelled), wanjiru.id, NOW)
        buyer_id, code = buyer.id, change.cancelled[0].code
        uow.commit()
    [told] = messages_to(uow_factory, buyer_id)
    return told.replace(code, "CODE")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "en",
            "Sorry: your order CODE was cancelled, because a shop in it is no longer selling on "
            "Soko: 2 × Copper ring. Nothing more is asked of you. If a payment for it still "
            "goes through, the money will be sent back to you. Send menu to find other pieces."
            "\nThe other pieces of that order are still for sale: 1 × Glass necklace. To "
            "order them, add them to your cart again.",
        ),
        (
            "sw",
            "Samahani: oda yako CODE imeghairiwa, kwa sababu duka moja ndani yake haliuzi tena "
            "kwenye Soko: 2 × Copper ring. Huna haja ya kufanya chochote. Kama malipo ya oda "
            "hii bado yatapita, pesa zako zitarudishwa. Tuma menyu utafute vipande vingine."
            "\nVipande vingine vya oda hiyo bado viko sokoni: 1 × Glass necklace. Ili "
            "kuviagiza, viweke kikapuni tena.",
        ),
    ],
)
def test_a_mixed_order_says_which_pieces_left_and_which_are_still_for_sale(
    uow_factory: UnitOfWorkFactory, locale: str, expected: str
) -> None:
    assert cancelled_notice(uow_factory, locale, mixed=True) == expected


def test_an_order_of_her_pieces_only_says_nothing_of_others(
    uow_factory: UnitOfWorkFactory,
) -> None:
    assert cancelled_notice(uow_factory, "en", mixed=False) == (
        "Sorry: your order CODE was cancelled, because a shop in it is no longer selling on "
        "Soko: 2 × Copper ring. Nothing more is asked of you. If a payment for it still goes "
        "through, the money will be sent back to you. Send menu to find other pieces."
    )
