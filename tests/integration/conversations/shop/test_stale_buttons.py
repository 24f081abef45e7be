"""Buttons from earlier messages in the shop's own flows, as transcripts: a payload that the
current question did not offer is never read as words. A route re-checks who may (her own
piece, as she is now); anything else is answered kindly and the question asked again."""

from __future__ import annotations

from collections.abc import Callable

from store.models import ProductStatus, Role
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.shop_support import (
    PHOTO_KEY,
    artisan,
    outbox_texts,
    paid_order,
    person,
    piece,
    product_state,
)

EARLIER = "That button is from an earlier message."
ASK_REASON = (
    "Why is it not accepted? Pick a reason or type your own:\n"
    "1. Plastic or pre-made materials\n2. Photo not clear\n3. Price looks wrong\n"
    "4. Other: type it"
)
TYPE_REASON = "Type the reason for the artisan:"


def test_an_old_approve_while_a_reason_is_asked_is_refused_and_the_reason_asked_again(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager = person(
        new_chat, uow_factory, "Grace Manager", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    joy = artisan(new_chat, uow_factory, "Joy Wambui", locale="en")
    bangle = piece(uow_factory, joy, "Red bangle", status=ProductStatus.PENDING_REVIEW)
    card = (
        f"[photo: {PHOTO_KEY}]\n“Red bangle” from Joy Beads\n"
        "Artisan’s price: Ksh1,500 · buyers pay US$16.17\nIn stock: 1\n"
        "Made of: glass beads, brass\n1. Approve\n2. Reject\n3. Skip\n4. Add to a collection"
    )
    manager.chat.send("menu")
    assert manager.chat.send("Review listings")[-1] == card
    assert manager.chat.send("Reject") == [ASK_REASON]
    # She taps "Approve" on the card above the question: neither an approval nor a reason.
    assert manager.chat.tap(f"rv:ok:{bangle}", on="card") == [EARLIER, ASK_REASON]
    assert manager.chat.send("Other: type it") == [TYPE_REASON]
    assert manager.chat.tap(f"rv:ok:{bangle}", on="card") == [EARLIER, TYPE_REASON]
    assert manager.chat.tap(f"rv:skip:{bangle}", on="card") == [EARLIER, TYPE_REASON]
    assert product_state(uow_factory, bangle).status is ProductStatus.PENDING_REVIEW
    assert outbox_texts(uow_factory, joy.user_id) == []

    assert manager.chat.send("The clasp is broken") == [
        "Not accepted: Red bangle. The artisan has been told why.",
        "All done: no listings are waiting. Thank you!",
    ]
    assert product_state(uow_factory, bangle).rejection_reason == "The clasp is broken"
    [told] = outbox_texts(uow_factory, joy.user_id)
    assert "Reason: The clasp is broken\n" in told
    assert "rv:" not in told


def test_the_reason_is_still_picked_by_number_or_label_and_an_old_card_is_answered(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager = person(
        new_chat, uow_factory, "Wanjiru Msimamizi", locale="sw", roles=(Role.COMMUNITY_MANAGER,)
    )
    joy = artisan(new_chat, uow_factory, "Joy Wambui", locale="en")
    first = piece(uow_factory, joy, "Red bangle", status=ProductStatus.PENDING_REVIEW)
    second = piece(uow_factory, joy, "Blue anklet", status=ProductStatus.PENDING_REVIEW)
    manager.chat.send("menyu")
    manager.chat.send("Kagua bidhaa")
    manager.chat.send("Kataa")
    asked = manager.chat.tap(f"rv:no:{first}", on="card")
    assert asked[0] == "Kitufe hicho ni cha ujumbe wa awali."
    assert asked[1].startswith("Kwa nini haikubaliwi?")
    answered = manager.chat.send("Picha haiko wazi")  # the label, typed
    assert answered[0] == "Umekataa: Red bangle. Fundi ameambiwa sababu."
    assert "“Blue anklet”" in answered[1]
    # The first listing's card, tapped now that the second is shown: the second stays open.
    again = manager.chat.tap(f"rv:ok:{first}", on="card")
    assert again[0] == "Kitufe hicho ni cha ujumbe wa awali."
    assert "“Blue anklet”" in again[1]
    assert product_state(uow_factory, second).status is ProductStatus.PENDING_REVIEW
    assert manager.chat.send("1")[0] == "Umeidhinisha: Blue anklet. Fundi ameambiwa."
    assert product_state(uow_factory, first).rejection_reason == "Photo not clear"
    assert product_state(uow_factory, second).status is ProductStatus.ACTIVE


def test_forged_payloads_get_the_kind_answer_and_the_question_again(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager = person(
        new_chat, uow_factory, "Grace Manager", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    joy = artisan(new_chat, uow_factory, "Joy Wambui", locale="en")
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    bangle = piece(uow_factory, joy, "Red bangle", status=ProductStatus.PENDING_REVIEW)
    hers = piece(uow_factory, amina, "Amina's draft", status=ProductStatus.DRAFT)
    manager.chat.send("menu")
    manager.chat.send("Review listings")
    manager.chat.send("Reject")
    manager.chat.send("Other: type it")
    forged = [
        "hello world",  # a random string
        "p:" + "9" * 70,  # too long for any button
        "rv:ok:abc",  # not a listing id
        "rv:ok:12:13",  # one field too many
        "why:plastic",  # a reason from a question no longer open
        f"mp:{hers}",  # someone else's piece, as if it were hers
        "bo:1",  # an order that is not hers
        "pp:mentor:1",  # a People action outside the People menu
        "?",  # what an adapter reports for a button it could not read
    ]
    for payload in forged:
        assert manager.chat.tap(payload) == [EARLIER, TYPE_REASON], payload
    assert product_state(uow_factory, bangle).status is ProductStatus.PENDING_REVIEW
    assert product_state(uow_factory, hers).status is ProductStatus.DRAFT
    assert outbox_texts(uow_factory, joy.user_id) == []
    assert outbox_texts(uow_factory, amina.user_id) == []


def test_her_own_piece_opens_from_an_old_list_whatever_she_is_doing(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    joy = artisan(new_chat, uow_factory, "Joy Wambui", locale="en")
    bangle = piece(uow_factory, amina, "Brass bangle", stock=2)
    other = piece(uow_factory, joy, "Joy's draft", status=ProductStatus.DRAFT)
    amina.chat.send("menu")
    listed = amina.chat.send("My pieces")
    assert listed[0].startswith("Your pieces. Pick one to change it:\n1. Brass bangle — Live")
    amina.chat.send("1")
    assert amina.chat.send("Change stock") == [
        "How many of this piece do you have now? Send a number, for example 3."
    ]
    # Her old list's "Brass bangle", tapped while the stock question waits: her piece opens.
    opened = amina.chat.tap(f"mp:{bangle}", on="list")
    assert opened == [
        f"[photo: {PHOTO_KEY}]\nBrass bangle\nPrice: Ksh1,500\nIn stock: 2\nStatus: Live\n"
        "1. Change price\n2. Change stock\n3. Archive\n4. Back"
    ]
    # Someone else's piece, forged the same way: not opened, and her card stays open.
    refused = amina.chat.tap(f"mp:{other}", on="list")
    assert refused[0] == EARLIER
    assert refused[1] == opened[0]
    assert product_state(uow_factory, bangle).stock_on_hand == 2
    assert amina.chat.send("Change stock")[0].startswith("How many of this piece")
    assert amina.chat.tap("stock") == [
        EARLIER,
        "How many of this piece do you have now? Send a number, for example 3.",
    ]
    assert amina.chat.send("3")[0] == "Done: you have 3 in stock."
    amina.chat.send("Change price")
    assert amina.chat.send("1800")[0].endswith("1. Yes\n2. No")
    assert amina.chat.send("Yes")[0] == "Done: the price is now Ksh1,800."
    ask_archive = (
        "Archive Brass bangle? Buyers will not see it any more. This can't be undone.\n"
        "1. Yes\n2. No"
    )
    assert amina.chat.send("Archive") == [ask_archive]
    # The price question's "Yes", tapped now: it archives nothing.
    assert amina.chat.tap("yes", on="price") == [EARLIER, ask_archive]
    assert amina.chat.send("No")[0] == "OK, nothing changed."
    assert product_state(uow_factory, bangle).status is ProductStatus.ACTIVE


def test_buttons_sent_before_the_upgrade_are_answered_kindly_and_orders_open_by_route(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    """Payload formats that changed (an order to send was "o:<id>", a line move is typed now)
    read as old buttons; the new "open order" works from any message, re-checked as hers."""
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    joy = artisan(new_chat, uow_factory, "Joy Wambui", locale="en")
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    necklace = piece(uow_factory, amina, "Blue glass necklace")
    bangle = piece(uow_factory, joy, "Joy's bangle")
    mine = paid_order(uow_factory, tom, [necklace])
    hers = paid_order(uow_factory, tom, [bangle])
    order_card = (
        f"Order {mine.code} · paid 1 Mar, 12:00\n• Blue glass necklace × 1 — new, please accept\n"
        "Send to:\nJane Doe\n10 Downing Street, London\nUnited Kingdom\n1. Accept\n2. Back"
    )
    amina.chat.send("menu")
    assert amina.chat.send("Orders to send") == [order_card]
    for old in (f"o:{mine.id}", f"add:{necklace}", "ob:f:name", "pp:pmentor:+254733111222"):
        assert amina.chat.tap(old) == [EARLIER, order_card], old
    amina.chat.send("menu")
    assert amina.chat.send("My pieces")[0].startswith("Your pieces.")
    # Her order, from the earlier message, while she looks at her pieces: it opens.
    assert amina.chat.tap(f"ao:{mine.id}") == [order_card]
    # Joy's order is not hers to send: not opened, her own stays on screen.
    assert amina.chat.tap(f"ao:{hers.id}") == [EARLIER, order_card]
    assert amina.chat.send("Accept")[0].startswith("Accepted: Blue glass necklace.")
