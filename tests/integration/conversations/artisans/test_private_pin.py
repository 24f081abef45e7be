"""Where she works, on both databases: a map pin she shares is kept for the Soko team only
(precisely, for workshop visits) and she types the area buyers see; a shop whose place was a
pin (moved aside by migration 0007) asks her, once, for the area buyers should see."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from conversations.messages import Location
from store.models import Artisan
from store.services import showcase
from store.uow import UnitOfWorkFactory
from tests.factories import make_product
from tests.integration.conversations.artisans_support import Seller, artisan_of, seed_seller
from tests.integration.conversations.conftest import Chat

ASK_AREA_EN = (
    "Thank you! Only the Soko team sees your pin, to visit you; buyers do not see it. "
    "Now type the area buyers will see, for example: Kibera, Nairobi."
)
ASK_AREA_SW = (
    "Asante! Ni timu ya Soko tu itakayoona pini yako, ili ikutembelee; wanunuzi hawaioni. "
    "Sasa andika jina la mahali unapofanyia kazi, litakaloonekana kwa wanunuzi, "
    "kwa mfano: Kibera, Nairobi."
)
ASK_MPESA_EN = (
    "Which M-Pesa number should receive your money? For example: 0712 345 678\n"
    "[share your phone number]"
)


def _to_location_question(chat: Chat) -> None:
    chat.send("/start")
    chat.send("English")
    chat.tap("menu:sell")
    chat.send("Wanjiku's Shanga")


def test_a_shared_pin_is_kept_privately_and_she_types_the_area_buyers_see(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    chat = new_chat("wanjiku")
    _to_location_question(chat)
    pin = replace(chat.inbound(), location=Location(-1.313347, 36.787612))
    assert chat.deliver(pin) == [ASK_AREA_EN]  # no "Use the pin" button any more
    assert chat.tap("ob:pin") == [  # the "Use the pin" button of an older message
        "That button is from an earlier message.",
        "Where do you work? Type the place, for example: Kibera, Nairobi. Or share your location.",
    ]
    assert chat.send("-1.31, 36.79") == [
        "Please type the name of your area, not a pin or a map link: buyers do not see those. "
        "For example: Kibera, Nairobi."
    ]
    assert chat.send("Kibera, Nairobi") == [ASK_MPESA_EN]
    assert chat.send("0712 345 678")[0].startswith(
        "Please check your details:\nName: Wanjiku\nShop: Wanjiku's Shanga\n"
        "Place: Kibera, Nairobi\n"
    )
    assert chat.send("1")[0] == "Congratulations! Your shop Wanjiku's Shanga is open."

    artisan = artisan_of(uow_factory, "wanjiku")
    assert artisan is not None
    assert artisan.location == "Kibera, Nairobi"
    assert (artisan.pin_latitude, artisan.pin_longitude) == (-1.313347, 36.787612)
    with uow_factory() as uow:  # her first piece is approved: what her pages show buyers
        maker = uow.session.get(Artisan, artisan.id)
        assert maker is not None
        product = make_product(uow.session, maker, title="Maasai collar")
        uow.commit()
        shop = showcase.find_shop(uow.session, artisan.slug)
        piece = showcase.find_product(uow.session, str(product.id))
    assert shop is not None
    assert piece is not None
    assert (shop[1].location, piece.shop.location) == ("Kibera, Nairobi", "Kibera, Nairobi")
    assert "36.78" not in repr((shop, piece))


def test_in_swahili_the_pin_is_private_and_a_new_pin_replaces_the_old(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    chat = new_chat("achieng", locale_hint="sw-KE")
    chat.send("/start")
    chat.send("Kiswahili")
    chat.tap("menu:sell")
    chat.send("Shanga za Achieng")
    first = replace(chat.inbound(), location=Location(-1.2921, 36.8219))
    assert chat.deliver(first) == [ASK_AREA_SW]
    second = replace(chat.inbound(), location=Location(-1.2833, 36.8167))
    assert chat.deliver(second) == [ASK_AREA_SW]
    assert chat.send("https://maps.app.goo.gl/abc") == [
        "Tafadhali andika jina la mahali unapofanyia kazi, si pini wala kiungo cha ramani: "
        "wanunuzi hawavioni. Kwa mfano: Kibera, Nairobi."
    ]
    chat.send("Gikomba, Nairobi")
    chat.send("0722 000 111")
    chat.send("1")
    artisan = artisan_of(uow_factory, "achieng")
    assert artisan is not None
    assert (artisan.location, artisan.pin_latitude, artisan.pin_longitude) == (
        "Gikomba, Nairobi",
        -1.2833,
        36.8167,
    )


def test_a_typed_place_keeps_no_pin(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    chat = new_chat("njeri")
    _to_location_question(chat)
    chat.send("Kariobangi")
    chat.send("0712 345 678")
    chat.send("1")
    artisan = artisan_of(uow_factory, "njeri")
    assert artisan is not None
    assert (artisan.location, artisan.pin_latitude, artisan.pin_longitude) == (
        "Kariobangi",
        None,
        None,
    )


def _place_moved_aside(uow_factory: UnitOfWorkFactory, seller: Seller) -> None:
    """What migration 0007 leaves of a shop whose place was her pin."""
    with uow_factory() as uow:
        artisan = uow.session.get(Artisan, seller.artisan_id)
        assert artisan is not None
        artisan.location, artisan.pin_latitude, artisan.pin_longitude = "", -1.31, 36.79
        uow.commit()


def test_a_shop_without_a_place_asks_her_area_once_in_swahili(
    chat_as: Callable[[Seller], Chat], uow_factory: UnitOfWorkFactory
) -> None:
    seller = seed_seller(uow_factory, "Mama Zawadi", locale="sw")
    _place_moved_aside(uow_factory, seller)
    chat = chat_as(seller)
    assert chat.send("menu") == [
        "Wanunuzi hawaoni duka lako liko wapi: pini yako ni ya timu ya Soko tu. Andika jina la "
        "mahali unapofanyia kazi, litakaloonekana kwa wanunuzi, kwa mfano: Kibera, Nairobi.\n"
        "1. Baadaye"
    ]
    answers = chat.send("Gikomba, Nairobi")
    assert answers[0] == "Asante! Wanunuzi sasa wanaona: Gikomba, Nairobi."
    assert answers[1].startswith("Ungependa kufanya nini?")
    with uow_factory() as uow:
        artisan = uow.session.get(Artisan, seller.artisan_id)
        assert artisan is not None
        assert (artisan.location, artisan.pin_latitude) == ("Gikomba, Nairobi", -1.31)
    assert chat.send("menu")[0].startswith("Ungependa kufanya nini?")


def test_later_is_asked_only_once_in_english(
    chat_as: Callable[[Seller], Chat], uow_factory: UnitOfWorkFactory
) -> None:
    seller = seed_seller(uow_factory, "Wanjiru", locale="en")
    _place_moved_aside(uow_factory, seller)
    chat = chat_as(seller)
    assert chat.send("menu") == [
        "Buyers cannot see where your shop is: your pin is for the Soko team only. "
        "Type the area buyers will see, for example: Kibera, Nairobi.\n1. Later"
    ]
    assert chat.send("later")[0].startswith("What would you like to do?")
    assert chat.send("menu")[0].startswith("What would you like to do?")
    with uow_factory() as uow:
        artisan = uow.session.get(Artisan, seller.artisan_id)
        assert artisan is not None
        assert artisan.location == ""
