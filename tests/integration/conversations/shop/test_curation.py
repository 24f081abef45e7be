"""The community managers' Collections menu, as a transcript on the real registry: make one,
add from the review card and by searching, move, remove, choose the cover, publish, feature;
what buyers then see; and what an old button or a non-manager gets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from conversations.flows.browsing import ShowCollection
from conversations.flows.curation import read_place
from conversations.flows.curation_card import Act, OnCollection, OpenCollection
from store.models import (
    Artisan,
    ArtisanStatus,
    AuditAction,
    Collection,
    PeopleAudit,
    Product,
    ProductStatus,
    Role,
    UserRole,
)
from store.services import collections
from store.services.collections import Texts
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.shop_support import artisan, person, piece

CARD_ACTIONS_PUBLISHED = (
    "1. Add pieces\n2. Move a piece\n3. Change the words\n4. Remove a piece\n"
    "5. Choose the cover\n6. Feature on the first menu\n7. Unpublish\n8. All collections\n"
    "9. Menu"
)
NOW = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)


def test_a_manager_makes_a_collection_and_a_buyer_sees_it_first(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    grace = person(new_chat, uow_factory, "Grace M", locale="en", roles=(Role.COMMUNITY_MANAGER,))
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    buyer = person(new_chat, uow_factory, "Lena F", locale="sw")
    piece(uow_factory, amina, "Brass collar", status=ProductStatus.PENDING_REVIEW)
    piece(uow_factory, amina, "Brass cuff")
    piece(uow_factory, amina, "Glass earrings")

    assert "5. Collections" in grace.chat.send("menu")[0]
    assert grace.chat.send("Collections") == [
        "There are no collections yet. Make the first one:\n1. New collection\n2. Menu"
    ]
    grace.chat.send("New collection")
    grace.chat.send("The Kenya Collection")
    grace.chat.send("Mkusanyiko wa Kenya")
    grace.chat.send("Statement brass from Kibera.")
    made = grace.chat.send("skip")
    assert made[0].startswith("Collection made: The Kenya Collection.")
    grace.chat.send("Add pieces")
    found = grace.chat.send("brass")
    assert "Brass cuff" in found[0]
    assert grace.chat.send("Brass cuff")[0] == "Added “Brass cuff” to The Kenya Collection."
    grace.chat.send("earrings")
    grace.chat.send("1")
    grace.chat.send("Done")

    grace.chat.send("menu")
    review = grace.chat.send("Review listings")
    assert review[-1].endswith("3. Skip\n4. Add to a collection")
    assert grace.chat.send("Add to a collection") == [
        "Add “Brass collar” to which collection?\n1. The Kenya Collection (not published)\n"
        "2. New collection\n3. Back to the review"
    ]
    assert grace.chat.send("1")[0] == "Added “Brass collar” to The Kenya Collection."
    assert "“Brass collar” from Amina Beads" in grace.chat.send("Back to the review")[-1]
    grace.chat.send("Approve")

    grace.chat.send("menu")
    grace.chat.send("Collections")
    card = grace.chat.send("1")[0]
    assert "#1 Brass cuff (cover)\n#2 Glass earrings\n#3 Brass collar\n" in card
    grace.chat.send("Move a piece")
    assert grace.chat.send("Brass collar") == [
        "Where should “Brass collar” go? Send a number from 1 to 3."
    ]
    assert grace.chat.send("٢٢") == [
        "Please send a number from 1 to 3, like 1 for the first place."
    ]
    moved = grace.chat.send("mbili")
    assert moved[0] == "Moved “Brass collar” to place 2."
    assert "#1 Brass cuff (cover)\n#2 Brass collar\n#3 Glass earrings\n" in moved[1]
    grace.chat.send("Remove a piece")
    assert grace.chat.send("Glass earrings")[0] == (
        "Removed “Glass earrings” from The Kenya Collection."
    )
    grace.chat.send("Choose the cover")
    grace.chat.send("Brass collar")
    # Retitled before publishing: its slug follows; the Swahili ones are kept by skipping.
    assert grace.chat.send("Change the words") == [
        "Its English name now: The Kenya Collection. Type a new one, or send skip to keep it."
    ]
    grace.chat.send("Kenya Brass")
    grace.chat.send("skip")
    assert grace.chat.send("skip") == [
        "Its Swahili story now: none. Type a new one, or send skip to keep it."
    ]
    assert grace.chat.send("Shaba ya Kibera.")[0] == "Saved the new words of Kenya Brass."
    published = grace.chat.send("Publish")
    assert published[0] == "Kenya Brass is published: buyers see it now."
    assert "#1 Brass cuff\n#2 Brass collar (cover)\n" in published[1]
    assert published[1].endswith(CARD_ACTIONS_PUBLISHED)
    grace.chat.send("Feature on the first menu")

    menu = buyer.chat.send("menu")[0]
    assert "\n6. ✨ Mkusanyiko wa Kenya\n" in menu
    shown = buyer.chat.send("6")[0]
    assert shown.startswith("Mkusanyiko wa Kenya\nShaba ya Kibera.\n1. Brass cuff")
    buyer.chat.send("menu")
    window = buyer.chat.send("Nunua vito")[0]
    assert window.startswith("Ungependa kuona nini?\n1. Mkusanyiko wa Kenya\n2. Mikufu")

    with uow_factory() as uow:
        actions = uow.session.scalars(select(PeopleAudit.action).order_by(PeopleAudit.id)).all()
        collection = uow.session.scalars(select(Collection)).one()
        assert (collection.slug, collection.active, collection.featured) == (
            "kenya-brass",
            True,
            True,
        )
    assert actions == [
        AuditAction.COLLECTION_CREATE,
        *[AuditAction.COLLECTION_ADD] * 3,
        AuditAction.COLLECTION_MOVE,
        AuditAction.COLLECTION_REMOVE,
        AuditAction.COLLECTION_COVER,
        AuditAction.COLLECTION_EDIT,
        AuditAction.COLLECTION_PUBLISH,
        AuditAction.COLLECTION_FEATURE,
    ]

    # Unpublished: the buyer's old button gets a kind word, the first menu drops it.
    grace.chat.send("Unpublish")
    gone = buyer.chat.tap(ShowCollection(collection.id).encode())
    assert gone[0] == "Mkusanyiko huo hauonyeshwi tena. Hiki ndicho kilichopo sasa:"
    assert "Mkusanyiko wa Kenya" not in buyer.chat.send("menu")[0]
    # A buyer forging a manager's button is refused.
    refused = buyer.chat.tap(OnCollection(Act.PUBLISH, collection.id).encode())
    assert refused == ["Samahani, huwezi kufanya hivyo."]


def test_places_typed_in_any_script_or_as_words() -> None:
    assert read_place("2") == 2
    assert read_place("٢") == 2
    assert read_place("२") == 2
    assert read_place("#3") == 3
    assert read_place("mbili") == 2
    assert read_place("ya pili") == 2
    assert read_place("Tatu.") == 3
    assert read_place("²") is None
    assert read_place("two pieces please") is None


def test_featured_by_another_manager_at_the_same_moment_she_is_told_which(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two managers feature two collections at once (a race PostgreSQL settles by the unique
    index, `test_collections.py`): the one who lost is told which is featured now and how to
    put hers there, in her language, not "something went wrong"."""
    wanjiru = person(
        new_chat, uow_factory, "Wanjiru K", locale="sw", roles=(Role.COMMUNITY_MANAGER,)
    )
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    brass = piece(uow_factory, amina, "Brass cuff")
    with uow_factory() as uow:
        s = uow.session
        made = collections.create(s, wanjiru.user_id, Texts("Horn", "Pembe", "", ""), NOW)
        collections.add_piece(s, wanjiru.user_id, made.id, brass, NOW)
        collections.publish(s, wanjiru.user_id, made.id, NOW)
        uow.commit()

    def featured_meanwhile(*args: object) -> bool:
        raise collections.FeaturedMeanwhile(made.id, "Brass of Kibera")

    monkeypatch.setattr(collections, "feature", featured_meanwhile)
    answer = wanjiru.chat.tap(OnCollection(Act.FEATURE, made.id).encode())
    assert answer[0] == (
        "Msimamizi mwingine wa jamii ameweka mkusanyiko “Brass of Kibera” kwenye menyu ya "
        "kwanza ya wanunuzi wakati huo huo. Ukitaka “Horn” uwe hapo badala yake, chagua "
        "“Weka kwenye menyu ya kwanza” tena."
    )
    assert "Mkusanyiko: Horn" in answer[1]


def test_a_title_or_story_too_long_gets_a_kind_answer_in_her_swahili(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    """Too long: she is told the limit the way the review's reason says it, and asked again;
    what she typed, markup and all, is kept as plain words."""
    wanjiru = person(
        new_chat, uow_factory, "Wanjiru K", locale="sw", roles=(Role.COMMUNITY_MANAGER,)
    )
    wanjiru.chat.send("menu")
    wanjiru.chat.send("Mikusanyiko")
    wanjiru.chat.send("Mkusanyiko mpya")
    assert wanjiru.chat.send("B" * 81) == ["Tafadhali fupisha jina: lisizidi herufi 80."]
    wanjiru.chat.send("<b>Shaba</b> & pembe")
    assert wanjiru.chat.send("S" * 81) == ["Tafadhali fupisha jina: lisizidi herufi 80."]
    wanjiru.chat.send("ruka")
    assert wanjiru.chat.send("H" * 601) == ["Tafadhali fupisha hadithi: isizidi herufi 600."]
    wanjiru.chat.send("ruka")
    made = wanjiru.chat.send("ruka")
    assert made[0].startswith("Umeunda mkusanyiko “<b>Shaba</b> & pembe”.")


def test_a_manager_who_sells_is_told_another_adds_her_own_piece(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiru = artisan(new_chat, uow_factory, "Wanjiru Kamau", locale="sw")
    with uow_factory() as uow:
        uow.session.add(UserRole(user_id=wanjiru.user_id, role=Role.COMMUNITY_MANAGER))
        made = collections.create(uow.session, wanjiru.user_id, Texts("Horn", "", "", ""), NOW)
        uow.commit()
    piece(uow_factory, wanjiru, "Brass cuff")
    wanjiru.chat.tap(OnCollection(Act.ADD, made.id).encode())
    wanjiru.chat.send("brass")
    answer = wanjiru.chat.send("1")
    assert answer[0] == (
        "Bidhaa za duka lako huwekwa kwenye mkusanyiko na msimamizi mwingine wa jamii."
    )
    assert answer[1].startswith("Bidhaa za “brass”.")


def test_her_card_says_which_pieces_buyers_do_not_see_and_why(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    """A piece turned down, or of a suspended shop, stays in the collection (reinstated or
    listed again, it is back) but buyers do not see it: her card says why, in her language."""
    wanjiru = person(
        new_chat, uow_factory, "Wanjiru K", locale="sw", roles=(Role.COMMUNITY_MANAGER,)
    )
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    zawadi = artisan(new_chat, uow_factory, "Zawadi Njeri", locale="sw")
    shown, turned_down = piece(uow_factory, amina, "Brass cuff"), piece(uow_factory, amina, "Horn")
    closed = piece(uow_factory, zawadi, "Glass beads")
    with uow_factory() as uow:
        s = uow.session
        made = collections.create(s, wanjiru.user_id, Texts("Kenya", "", "", ""), NOW)
        for product_id in (shown, turned_down, closed):
            collections.add_piece(s, wanjiru.user_id, made.id, product_id, NOW)
        s.get_one(Product, turned_down).status = ProductStatus.REJECTED
        s.get_one(Artisan, zawadi.artisan_id).status = ArtisanStatus.SUSPENDED
        uow.commit()
    card = wanjiru.chat.tap(OpenCollection(made.id).encode())[0]
    assert (
        "#1 Brass cuff (kuu)\n#2 Horn (haikukubaliwa)\n#3 Glass beads (duka limesimamishwa)\n"
    ) in card
