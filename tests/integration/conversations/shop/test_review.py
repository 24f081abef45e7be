"""The community managers' review queue, in English and Swahili, and who may not use it."""

from __future__ import annotations

from collections.abc import Callable

from conversations.messages import Choice
from store.models import ProductStatus, Role
from store.services import people
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.shop_support import (
    PHOTO_KEY,
    artisan,
    forge,
    outbox_texts,
    person,
    piece,
    product_state,
)

SECOND_PHOTO = "01" * 32 + "/medium.jpg"


def test_manager_approves_one_and_rejects_one_each_artisan_told_in_her_language(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager = person(
        new_chat, uow_factory, "Grace Manager", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    joy = artisan(new_chat, uow_factory, "Joy Wambui", locale="en")
    necklace = piece(
        uow_factory, amina, "Blue glass necklace", status=ProductStatus.PENDING_REVIEW, photos=2
    )
    bangle = piece(
        uow_factory,
        joy,
        "Red bangle",
        status=ProductStatus.PENDING_REVIEW,
        materials=["plastic beads", "brass"],
    )

    assert "Review listings" in manager.chat.send("menu")[0]
    assert manager.chat.send("Review listings") == [
        "Listings waiting for review: 2",
        f"[photo: {SECOND_PHOTO}]\nPhoto 2 of 2",
        f"[photo: {PHOTO_KEY}]\n“Blue glass necklace” from Amina Beads\n"
        "Artisan’s price: Ksh1,500 · buyers pay US$16.17\nIn stock: 1\n"
        "Made of: glass beads, brass\n1. Approve\n2. Reject\n3. Skip",
    ]
    assert manager.chat.send("approve") == [
        "Approved: Blue glass necklace. The artisan has been told.",
        f"[photo: {PHOTO_KEY}]\n“Red bangle” from Joy Beads\n"
        "Artisan’s price: Ksh1,500 · buyers pay US$16.17\nIn stock: 1\n"
        "Made of: plastic beads, brass\n"
        "⚠️ plastic beads — No plastic or synthetic materials\n"
        "The standards: “Soko’s standards” in the menu.\n"
        "1. Approve\n2. Reject\n3. Skip",
    ]
    assert manager.chat.send("2") == [
        "Why is it not accepted? Pick a reason or type your own:\n"
        "1. Plastic or pre-made materials\n2. Photo not clear\n3. Price looks wrong\n"
        "4. Other: type it"
    ]
    assert manager.chat.send("1") == [
        "Not accepted: Red bangle. The artisan has been told why.",
        "All done: no listings are waiting. Thank you!",
    ]

    assert product_state(uow_factory, necklace).status is ProductStatus.ACTIVE
    rejected = product_state(uow_factory, bangle)
    assert rejected.status is ProductStatus.REJECTED
    assert rejected.rejection_reason == "Plastic or pre-made materials"
    link = f"https://soko.test/p/{product_state(uow_factory, necklace).slug}"
    assert outbox_texts(uow_factory, amina.user_id) == [
        f"[photo: {PHOTO_KEY}]\n"
        f"Habari njema! Bidhaa yako “Blue glass necklace” iko sokoni sasa! Isambaze: {link}\n"
        f"Fungua ukurasa: {link}"
    ]
    assert outbox_texts(uow_factory, joy.user_id) == [
        f"[photo: {PHOTO_KEY}]\n"
        "Your Red bangle was not accepted yet.\nReason: Plastic or pre-made materials\n"
        "Soko sells handmade pieces from natural or upcycled materials: glass beads, brass, "
        "horn, bone, wood. Plastic and ready-made parts are not accepted.\n"
        "Soko’s rule: No plastic or synthetic materials\n"
        "Change it and send it for review again: open “My pieces”, pick it and choose "
        "“Continue in List a piece”."
    ]


def test_swahili_manager_skips_then_rejects_with_her_own_words(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager = person(
        new_chat, uow_factory, "Wanjiru Msimamizi", locale="sw", roles=(Role.COMMUNITY_MANAGER,)
    )
    joy = artisan(new_chat, uow_factory, "Joy Wambui", locale="en")
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    first = piece(uow_factory, joy, "Red bangle", status=ProductStatus.PENDING_REVIEW)
    second = piece(uow_factory, amina, "Hereni za shaba", status=ProductStatus.PENDING_REVIEW)

    assert "Kagua bidhaa" in manager.chat.send("menyu")[0]
    answers = manager.chat.send("Kagua bidhaa")
    assert answers[0] == "Bidhaa zinazosubiri kukaguliwa: 2"
    assert answers[1].endswith("1. Idhinisha\n2. Kataa\n3. Ruka")
    card = answers[1].replace("\xa0", " ")
    assert "Bei ya fundi: Ksh 1,500 · wanunuzi hulipa US$ 16.17" in card
    skipped = manager.chat.send("ruka")
    assert "“Hereni za shaba” kutoka Amina Beads" in skipped[0]
    assert manager.chat.send("2")[0].startswith("Kwa nini haikubaliwi?")
    assert manager.chat.send("4") == ["Andika sababu kwa fundi:"]
    assert manager.chat.send("Picha inaonyesha hereni moja tu") == [
        "Umekataa: Hereni za shaba. Fundi ameambiwa sababu.",
        "Ni hayo kwa sasa. Bidhaa ulizoruka bado zinasubiri: 1",
    ]
    assert product_state(uow_factory, first).status is ProductStatus.PENDING_REVIEW
    assert product_state(uow_factory, second).rejection_reason == "Picha inaonyesha hereni moja tu"
    assert outbox_texts(uow_factory, amina.user_id) == [
        f"[photo: {PHOTO_KEY}]\n"
        "Bidhaa yako “Hereni za shaba” bado haijakubaliwa.\n"
        "Sababu: Picha inaonyesha hereni moja tu\n"
        "Ibadilishe kisha uitume ikaguliwe tena: fungua “Bidhaa zangu”, ichague, kisha uchague "
        "“Endelea kwenye Weka bidhaa mpya”."
    ]


def test_review_is_not_in_an_artisans_menu(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    menu = amina.chat.send("menu")[0]
    assert "Review listings" not in menu
    assert "My pieces" in menu
    assert "Orders to send" in menu
    assert "My earnings" in menu


def test_a_non_manager_forging_the_review_payload_is_refused(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    mallory = artisan(new_chat, uow_factory, "Mallory Beads", locale="en")
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    waiting = piece(uow_factory, amina, "Blue glass necklace", status=ProductStatus.PENDING_REVIEW)
    mallory.chat.send("menu")
    forge(
        mallory.chat,
        uow_factory,
        mallory.user_id,
        flow="review",
        step="decide",
        data={"product_id": waiting, "skipped": []},
        offered=[Choice("Approve", f"rv:ok:{waiting}"), Choice("Reject", f"rv:no:{waiting}")],
    )
    assert mallory.chat.tap(f"rv:ok:{waiting}") == ["Sorry, you can't do that."]
    assert product_state(uow_factory, waiting).status is ProductStatus.PENDING_REVIEW
    assert mallory.chat.tap(f"rv:no:{waiting}") == ["Sorry, you can't do that."]
    assert outbox_texts(uow_factory, amina.user_id) == []


def test_a_manager_whose_role_was_taken_away_mid_review_is_refused(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager = person(
        new_chat, uow_factory, "Grace Manager", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    waiting = piece(uow_factory, amina, "Blue glass necklace", status=ProductStatus.PENDING_REVIEW)
    manager.chat.send("menu")
    assert manager.chat.send("Review listings")[0] == "Listings waiting for review: 1"
    with uow_factory() as uow:
        people.revoke_role(uow.session, manager.user_id, Role.COMMUNITY_MANAGER)
        uow.commit()
    assert manager.chat.send("1") == ["Sorry, you can't do that."]
    assert product_state(uow_factory, waiting).status is ProductStatus.PENDING_REVIEW


def test_a_yes_or_no_at_the_reason_question_is_never_the_reason(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    """Issue 19: the reason question offers reasons, not a yes or a no; "hapana" typed there
    is refused, never sent to the artisan as why her piece was not accepted."""
    manager = person(
        new_chat, uow_factory, "Wanjiru Msimamizi", locale="sw", roles=(Role.COMMUNITY_MANAGER,)
    )
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    earrings = piece(uow_factory, amina, "Hereni za shaba", status=ProductStatus.PENDING_REVIEW)
    manager.chat.send("menyu")
    manager.chat.send("Kagua bidhaa")
    # "Hapana" at the card is its "Kataa" (reject): the reasons are asked.
    asked = manager.chat.send("hapana")
    assert asked[0].startswith("Kwa nini haikubaliwi?")
    assert manager.chat.send("Hapana") == [
        "Samahani, “Hapana” si mojawapo ya majibu hapa.",
        asked[0],
    ]
    assert manager.chat.send("ndiyo")[0] == "Samahani, “ndiyo” si mojawapo ya majibu hapa."
    assert product_state(uow_factory, earrings).status is ProductStatus.PENDING_REVIEW


def test_the_card_names_what_is_refused_and_what_needs_a_look_in_the_managers_language(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager = person(
        new_chat, uow_factory, "Wanjiru Msimamizi", locale="sw", roles=(Role.COMMUNITY_MANAGER,)
    )
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    piece(
        uow_factory,
        amina,
        "Mkufu wa dhahabu",
        status=ProductStatus.PENDING_REVIEW,
        materials=["uzi wa nailoni", "dhahabu", "shanga za kioo"],
    )

    manager.chat.send("menyu")
    card = manager.chat.send("Kagua bidhaa")[1]
    assert (
        "Malighafi: uzi wa nailoni, dhahabu, shanga za kioo\n"
        "⚠️ uzi wa nailoni — Hakuna plastiki wala malighafi za kiwandani\n"
        "🔎 dhahabu — Madini ya thamani yanahitaji kuangaliwa\n"
        "Viwango: “Viwango vya Soko” kwenye menyu.\n"
    ) in card
