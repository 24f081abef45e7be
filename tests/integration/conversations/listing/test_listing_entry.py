"""Ways into the listing: people without a shop, the menu without the listing flow, and a
piece handed over by another flow."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from sqlalchemy import select

from conversations.engine import ChatEngine
from conversations.flow import END, Flow, FlowRegistry, StepContext, StepResult
from conversations.flows import language, listing, menu
from conversations.photos import PhotoIntake
from store.models import Product, ProductStatus, Role
from store.services import listing_review, people
from store.uow import UnitOfWorkFactory
from tests.factories import make_user
from tests.integration.conversations.conftest import Chat, Clock
from tests.integration.conversations.listing_support import (
    NOW,
    greet,
    open_shop,
    photo,
    products_of,
    user_id_of,
)
from tests.market_support import make_market

# --- people without a shop -------------------------------------------------------------------


class Onboarding(StrEnum):
    NAME = "name"


def start_onboarding(ctx: StepContext, arg: str) -> StepResult:
    ctx.say("Let's open your shop. What is your name?")
    return StepResult(Onboarding.NAME)


def make_chat(
    tmp_path: Path,
    uow_factory: UnitOfWorkFactory,
    intake: PhotoIntake,
    *,
    with_onboarding: bool,
    with_listing: bool = True,
) -> Chat:
    registry = FlowRegistry()
    language.register(registry)
    menu.register(registry)
    if with_listing:
        listing.register(registry)
    if with_onboarding:
        registry.add(
            Flow("onboarding", {Onboarding.NAME: lambda c, i: StepResult(END)}, start_onboarding)
        )
    engine = ChatEngine(uow_factory, registry, make_market(tmp_path / "media"), Clock())
    chat = Chat(engine, uow_factory, intake, "baraka")
    greet(chat)
    return chat


def test_a_buyer_sending_a_photo_is_offered_to_open_a_shop(
    tmp_path: Path, uow_factory: UnitOfWorkFactory, intake: PhotoIntake
) -> None:
    chat = make_chat(tmp_path, uow_factory, intake, with_onboarding=True)
    assert chat.send(photos=(photo(6),)) == [
        "Would you like to sell your jewelry on Soko? First open your shop — it takes a few "
        "questions.\n1. Open my shop\n2. Not now"
    ]
    assert chat.send("Open my shop") == ["Let's open your shop. What is your name?"]


def test_a_buyer_sending_a_photo_may_say_not_now(
    tmp_path: Path, uow_factory: UnitOfWorkFactory, intake: PhotoIntake
) -> None:
    chat = make_chat(tmp_path, uow_factory, intake, with_onboarding=True)
    chat.send(photos=(photo(6),))
    assert chat.send("Not now")[0].startswith("What would you like to do?")


def test_listing_without_a_shop_goes_to_onboarding(
    tmp_path: Path, uow_factory: UnitOfWorkFactory, intake: PhotoIntake
) -> None:
    chat = make_chat(tmp_path, uow_factory, intake, with_onboarding=True)
    # The artisan role without a shop (granted by hand): "List a piece" shows, the shop is missing.
    with chat.uow_factory() as uow:
        people.grant_role(uow.session, user_id_of(chat), Role.ARTISAN)
        uow.commit()
    chat.send("menu")
    assert chat.send("List a piece") == [
        "To list a piece, first open your shop on Soko. Let's do it now.",
        "Let's open your shop. What is your name?",
    ]
    assert no_products(chat)


def no_products(chat: Chat) -> bool:
    with chat.uow_factory() as uow:
        return uow.session.scalars(select(Product)).first() is None


def test_a_buyer_sending_a_photo_without_onboarding_is_told_how_to_join(
    tmp_path: Path, uow_factory: UnitOfWorkFactory, intake: PhotoIntake
) -> None:
    chat = make_chat(tmp_path, uow_factory, intake, with_onboarding=False)
    assert chat.send(photos=(photo(6),)) == [
        "To sell on Soko you need a seller account. Ask the mentor who told you about Soko "
        "for an invitation link, or ask a community manager."
    ]
    assert no_products(chat)


def test_a_photo_at_the_menu_without_the_listing_flow_shows_the_menu(
    tmp_path: Path, uow_factory: UnitOfWorkFactory, intake: PhotoIntake
) -> None:
    chat = make_chat(tmp_path, uow_factory, intake, with_onboarding=False, with_listing=False)
    assert chat.send(photos=(photo(6),)) == ["Choose from the menu above, or send “menu”."]


# --- another flow hands a piece over ("My pieces" → continue it here) --------------------------


def handover_start(ctx: StepContext, arg: str) -> StepResult:
    return ctx.begin("listing", f"continue:{arg}")


def handover_chat(
    tmp_path: Path, uow_factory: UnitOfWorkFactory, intake: PhotoIntake, name: str
) -> Chat:
    registry = FlowRegistry()
    language.register(registry)
    menu.register(registry)
    listing.register(registry)
    registry.add(Flow("handover", {}, handover_start))
    registry.add_start_route("handover-", "handover")
    engine = ChatEngine(uow_factory, registry, make_market(tmp_path / "media"), Clock())
    chat = Chat(engine, uow_factory, intake, name)
    greet(chat)
    open_shop(chat, shop_name=f"{name.title()} Beads")
    return chat


def test_a_rejected_piece_handed_over_goes_back_to_draft_at_the_preview(
    tmp_path: Path, uow_factory: UnitOfWorkFactory, intake: PhotoIntake
) -> None:
    chat = handover_chat(tmp_path, uow_factory, intake, "wanjiku")
    chat.send(photos=(photo(7),))
    for answer in ("done", "Brass ring", "500", "1", "Ring", "brass", "1", "skip"):
        chat.send(answer)
    chat.send("Submit for review")
    [piece] = products_of(chat)
    with chat.uow_factory() as uow:
        reviewer = make_user(uow.session, roles=(Role.COMMUNITY_MANAGER,))
        listing_review.reject(uow.session, reviewer.id, piece.id, "blurry photo", NOW)
        uow.commit()

    answers = chat.send(f"/start handover-{piece.id}")
    assert answers[0] == "Let's go on."
    assert answers[1].endswith("1. Submit for review\n2. Change something\n3. Save as draft")
    [piece] = products_of(chat)
    assert piece.status == ProductStatus.DRAFT
    chat.send("Submit for review")
    [piece] = products_of(chat)
    assert piece.status == ProductStatus.PENDING_REVIEW


def test_another_artisans_piece_cannot_be_handed_over(
    tmp_path: Path, uow_factory: UnitOfWorkFactory, intake: PhotoIntake
) -> None:
    other = handover_chat(tmp_path, uow_factory, intake, "mercy")
    other.send(photos=(photo(8),))
    [theirs] = products_of(other)
    chat = handover_chat(tmp_path, uow_factory, intake, "wanjiku")
    assert chat.send(f"/start handover-{theirs.id}") == ["Sorry, you can't do that."]
    assert products_of(chat) == []
