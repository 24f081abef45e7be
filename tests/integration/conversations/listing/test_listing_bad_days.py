"""Bad days after the photos: prices typed every way, plastic, cancel, restart, forged payloads."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

from conversations.engine import ChatEngine, Outcome
from conversations.flow import FlowRegistry
from conversations.photos import PhotoIntake
from store.models import ConversationState, ProductStatus
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Chat, Clock
from tests.integration.conversations.listing_support import (
    photo,
    products_of,
    seller,
    user_id_of,
)
from tests.market_support import make_market

ASK_PRICE = "What is your price for one piece, in shillings? For example: 1500"
ASK_MATERIALS = "What is it made of? For example: glass beads, brass wire"
ASK_QUANTITY = "How many of these do you have ready to sell? Type a number, like 1 or 3."
IN_DIGITS = "Please write the price in digits, for example 1500 (not in words)."
CONFIRM_CHOICES = "\n1. Yes, that's right\n2. No, change it"


def at_price(chat: Chat, title: str = "Zawadi gift", seed: int = 1) -> None:
    chat.send("List a piece")
    chat.send(photos=(photo(seed),))
    chat.send(title)  # a name without a price: the price is asked next


def at_materials(chat: Chat) -> None:
    at_price(chat)
    chat.send("1500")
    chat.send("Necklace")


def test_prices_typed_in_words_or_nonsense_get_an_example(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "wanjiku")
    at_price(chat)
    assert chat.send("elfu moja") == [IN_DIGITS]
    assert chat.send("abc") == [IN_DIGITS]
    assert chat.send("0") == ["The price can't be zero. How much is the piece, for example 1500?"]
    # A price that looks wrong (a digit lost, or one too many) is asked about.
    assert chat.send("15") == ["Ksh15 — right?" + CONFIRM_CHOICES]
    assert chat.send("No, change it") == ["OK — what is the price? For example: 1500"]
    assert chat.send("250000") == ["Ksh250,000 — right?" + CONFIRM_CHOICES]
    # Another price typed instead of yes / no is read; one that looks right is kept.
    assert chat.send("2,500")[0].startswith("What kind of piece is it?")
    [product] = products_of(chat)
    assert product.price_minor == 250_000


def test_prices_in_swahili(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "achieng", swahili=True)
    chat.send("Weka bidhaa mpya")
    chat.send(photos=(photo(2),))
    chat.send("Kito cha Neema")
    assert chat.send("elfu moja") == [
        "Tafadhali andika bei kwa tarakimu, mfano 1500 (si kwa maneno)."
    ]
    assert chat.send("50") == ["Ksh\xa050 — sawa?\n1. Ndiyo, sawa\n2. Hapana, badilisha"]
    assert chat.send("1.5k")[0].startswith("Bidhaa hii ni ya aina gani?")


def test_a_price_that_looks_wrong_is_not_set_until_confirmed(
    new_chat: Callable[..., Chat],
) -> None:
    chat = seller(new_chat, "wanjiku")
    at_price(chat)
    chat.send("15")
    [product] = products_of(chat)
    assert product.price_minor is None


def test_plastic_is_flagged_and_can_be_changed(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "wanjiku")
    at_materials(chat)
    assert chat.send("plastic beads na waya") == [
        "Soko accepts only handmade pieces from upcycled metal, glass beads, horn, bone and "
        "similar materials — no plastic and no ready-made parts. This may not fit: plastic beads.\n"
        "Soko’s rule: No plastic or synthetic materials",
        "Change the materials, or continue? If you continue, a community manager will check.\n"
        "1. Change materials\n2. Continue anyway",
    ]
    assert chat.send("1") == [ASK_MATERIALS]
    assert "Made of: glass beads, brass wire\n" in chat.send("glass beads and brass wire")[0]
    [product] = products_of(chat)
    assert product.materials == ["glass beads", "brass wire"]


def test_plastic_may_go_on_for_the_community_manager_to_check(
    new_chat: Callable[..., Chat],
) -> None:
    chat = seller(new_chat, "wanjiku")
    at_materials(chat)
    # Each rule her materials go against, once, in the order she named them.
    assert chat.send("resin, ready made clasp")[0].endswith(
        "This may not fit: resin, ready made clasp.\n"
        "Soko’s rule: No plastic or synthetic materials\n"
        "Soko’s rule: No ready-made components"
    )
    answers = chat.send("Continue anyway")
    assert answers[0] == "OK — a community manager will check the materials."
    assert "Made of: resin, ready made clasp\nQuantity: 1\n" in answers[1]
    chat.send("Change something")
    assert chat.send("Quantity") == [ASK_QUANTITY]
    assert chat.send("1000") == ["Please type a number from 1 to 999, like 3."]
    assert "Quantity: 3\n" in chat.send("three")[0]
    [product] = products_of(chat)
    assert (product.materials, product.stock_on_hand) == (["resin", "ready made clasp"], 3)


def test_plastic_flagged_in_swahili(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "achieng", swahili=True)
    chat.send("Weka bidhaa mpya")
    chat.send(photos=(photo(3),))
    for answer in ("Kito cha Achieng", "600", "Hereni"):
        chat.send(answer)
    answers = chat.send("shanga za plastiki")
    assert answers[0].startswith("Soko inakubali tu bidhaa za mikono")
    assert answers[0].endswith(
        "Hii huenda haifai: shanga za plastiki.\n"
        "Kanuni ya Soko: Hakuna plastiki wala malighafi za kiwandani"
    )
    assert answers[1].endswith("\n1. Badilisha malighafi\n2. Endelea hivyo hivyo")


def test_cancel_half_way_then_continue_the_draft(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "wanjiku")
    at_price(chat)
    answers = chat.send("cancel")
    assert answers[0] == "Cancelled."
    assert chat.send("List a piece") == [
        "You have a listing you didn't finish.\n"
        '1. Continue draft "Zawadi gift"\n'
        "2. Start a new one"
    ]
    assert chat.send("1") == ["Let's go on.", ASK_PRICE]
    assert chat.send("1500")[0].startswith("What kind of piece is it?")


def test_cancel_then_start_a_new_one_keeps_the_old_draft(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "wanjiku")
    at_price(chat)
    chat.send("ghairi")
    chat.send("List a piece")
    assert chat.send("Start a new one") == [
        "Send 1 to 5 photos of the piece. Several at once is fine."
    ]
    chat.send(photos=(photo(4),))
    old, new = products_of(chat)
    assert (old.status, old.title, new.status) == (ProductStatus.DRAFT, "Zawadi gift", "draft")


def test_a_saved_draft_is_offered_after_the_conversation_moved_on(
    new_chat: Callable[..., Chat],
) -> None:
    chat = seller(new_chat, "wanjiku")
    at_materials(chat)
    chat.send("menu")
    chat.send("help")
    chat.send("List a piece")
    # She left at the materials question; that is where she goes on.
    assert chat.send('Continue draft "Zawadi gift"') == ["Let's go on.", ASK_MATERIALS]


def test_a_restart_between_two_messages_continues(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    intake: PhotoIntake,
    registry: FlowRegistry,
    tmp_path: Path,
) -> None:
    chat = seller(new_chat, "wanjiku")
    at_price(chat)
    restarted = ChatEngine(uow_factory, registry, make_market(tmp_path / "media"), Clock())
    after = Chat(restarted, uow_factory, intake, "wanjiku", _ids=itertools.count(1000))
    assert after.send("1500")[0].startswith("What kind of piece is it?")
    [product] = products_of(after)
    assert product.price_minor == 150_000


def test_a_forged_payload_cannot_submit_another_artisans_product(
    new_chat: Callable[..., Chat],
) -> None:
    other = seller(new_chat, "mercy")
    at_materials(other)
    [theirs] = products_of(other)
    chat = seller(new_chat, "wanjiku")
    at_price(chat, title="My gift", seed=5)
    chat.send("1500")
    chat.send("Necklace")
    preview = chat.send("glass beads")
    assert preview[0].endswith("1. Submit for review\n2. Change something\n3. Save as draft")

    # A payload that was never offered is not a command: the preview is shown again.
    answers = chat.tap(f"lst:submit:{theirs.id}")
    assert answers[0] == "That button is from an earlier message."
    assert answers[1].endswith("1. Submit for review\n2. Change something\n3. Save as draft")

    # Even with the conversation state pointing at her product, the catalog says no.
    with chat.uow_factory() as uow:
        state = uow.session.get(ConversationState, user_id_of(chat))
        assert state is not None
        data = dict(state.data)
        data["flow_data"] = {**data["flow_data"], "product_id": theirs.id}
        state.data = data
        uow.commit()
    assert chat.tap("lst:submit") == ["Sorry, you can't do that."]
    assert chat.results[-1].outcome is Outcome.REFUSED
    [theirs_after] = products_of(other)
    assert theirs_after.status == ProductStatus.DRAFT
    [mine] = products_of(chat)
    assert mine.status == ProductStatus.DRAFT
