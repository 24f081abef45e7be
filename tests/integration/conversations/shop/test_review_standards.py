"""Soko's standards in chat: the review card names the rule behind each flag, in the
manager's language, and the standards themselves are read from the menu."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from store.models import ProductStatus, Role
from store.uow import UnitOfWorkFactory
from store.vocabulary import configure
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.shop_support import artisan, outbox_texts, person, piece


def _card(manager_chat: Chat, menu: str, review: str) -> str:
    manager_chat.send(menu)
    return manager_chat.send(review)[1]


def test_the_card_names_the_rule_of_each_flag_in_english(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager = person(
        new_chat, uow_factory, "Grace Manager", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    piece(
        uow_factory,
        amina,
        "Mkufu",
        status=ProductStatus.PENDING_REVIEW,
        materials=["shanga za plastiki", "uzi wa nailoni", "crystal", "ready made clasp"],
    )

    card = _card(manager.chat, "menu", "Review listings")
    # Her words, the material's English name where they do not say it, and the rule's title.
    assert (
        "Made of: shanga za plastiki, uzi wa nailoni, crystal, ready made clasp\n"
        "⚠️ shanga za plastiki (plastic) — No plastic or synthetic materials\n"
        "⚠️ uzi wa nailoni (nylon) — No plastic or synthetic materials\n"
        "⚠️ ready made clasp (ready-made parts) — No ready-made components\n"
        "🔎 crystal — Crystals and pearls need a look\n"
        "The standards: “Soko’s standards” in the menu.\n"
        "1. Approve\n2. Reject\n3. Skip"
    ) in card


def test_the_card_names_the_rule_of_each_flag_in_swahili(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager = person(
        new_chat, uow_factory, "Wanjiru Msimamizi", locale="sw", roles=(Role.COMMUNITY_MANAGER,)
    )
    joy = artisan(new_chat, uow_factory, "Joy Wambui", locale="en")
    piece(
        uow_factory,
        joy,
        "Beaded chain",
        status=ProductStatus.PENDING_REVIEW,
        materials=["plastic beads", "chain", "cow horn"],
    )

    card = _card(manager.chat, "menyu", "Kagua bidhaa")
    assert (
        "⚠️ plastic beads (plastiki) — Hakuna plastiki wala malighafi za kiwandani\n"
        "🔎 chain (mnyororo) — Minyororo inahitaji kuangaliwa\n"
        "Viwango: “Viwango vya Soko” kwenye menyu.\n"
    ) in card
    assert "cow horn (" not in card  # horn is welcome: no flag, no rule


def test_turned_down_for_plastic_she_is_told_the_rules_in_her_language(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager = person(
        new_chat, uow_factory, "Grace Manager", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    piece(
        uow_factory,
        amina,
        "Mkufu",
        status=ProductStatus.PENDING_REVIEW,
        materials=["shanga za plastiki", "uzi wa nailoni", "vipande vya kiwandani"],
    )
    manager.chat.send("menu")
    manager.chat.send("Review listings")
    manager.chat.send("Reject")
    manager.chat.send("Plastic or pre-made materials")
    [told] = outbox_texts(uow_factory, amina.user_id)
    # Each rule once, in her language, between the advice and how to send it again.
    assert (
        "Plastiki na vitu vya kiwandani havikubaliwi.\n"
        "Kanuni ya Soko: Hakuna plastiki wala malighafi za kiwandani\n"
        "Kanuni ya Soko: Hakuna vitu vya kiwandani\n"
        "Ibadilishe kisha uitume"
    ) in told, told


def test_turned_down_for_its_photo_she_is_told_no_rule(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager = person(
        new_chat, uow_factory, "Grace Manager", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    piece(
        uow_factory,
        amina,
        "Mkufu",
        status=ProductStatus.PENDING_REVIEW,
        materials=["shanga za plastiki"],
    )
    manager.chat.send("menu")
    manager.chat.send("Review listings")
    manager.chat.send("Reject")
    manager.chat.send("Photo not clear")
    [told] = outbox_texts(uow_factory, amina.user_id)
    assert "Kanuni" not in told


def test_a_card_with_nothing_flagged_names_no_rule(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager = person(
        new_chat, uow_factory, "Grace Manager", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    piece(
        uow_factory,
        amina,
        "Mkufu wa shaba",
        status=ProductStatus.PENDING_REVIEW,
        materials=["shaba", "shanga za kioo"],
    )
    card = _card(manager.chat, "menu", "Review listings")
    assert "Made of: shaba, shanga za kioo\n1. Approve" in card
    assert "—" not in card
    assert "standards" not in card


def test_an_operator_file_moving_a_material_to_a_stricter_rule_shows_that_rule(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    extra = tmp_path / "vocabulary.toml"
    extra.write_text('[[material]]\ncode = "brass"\nrule = "a_closer_look"\n', encoding="utf-8")
    manager = person(
        new_chat, uow_factory, "Grace Manager", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    configure(extra)
    try:
        piece(
            uow_factory,
            amina,
            "Mkufu wa shaba",
            status=ProductStatus.PENDING_REVIEW,
            materials=["waya wa shaba"],
        )
        card = _card(manager.chat, "menu", "Review listings")
    finally:
        configure(None)
    assert "🔎 waya wa shaba (brass) — This material needs a look\n" in card


def test_a_manager_reads_the_standards_and_the_visit_checklist_in_english(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager = person(
        new_chat, uow_factory, "Grace Manager", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    manager.chat.send("menu")
    assert "93. Soko’s standards" in manager.chat.send("More")[0]
    said = "\n\n".join(manager.chat.send("93"))
    assert said.startswith("Soko’s standards for materials. A community manager has the last word.")
    refused = said.index("Not accepted:\n• No plastic or synthetic materials: ")
    look = said.index("Need a look:\n• Precious metals need a look: ")
    welcome = said.index("Welcome:\n• Upcycled metal is welcome: ")
    checklist = said.index("When you visit a workshop, look at:\n• Materials: ")
    assert refused < look < welcome < checklist
    assert "• Glass beads are welcome: " in said
    assert "• Horn and bone are welcome (legally sourced): " in said
    assert "• Working conditions: Is the workshop safe" in said
    # A rule no material falls under (left for operators' files) says nothing to a reader.
    assert "This material needs a look" not in said


def test_an_artisan_reads_the_standards_in_swahili_without_the_visit_checklist(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    amina.chat.send("menyu")
    assert "93. Viwango vya Soko" in amina.chat.send("Zaidi")[0]
    said = "\n\n".join(amina.chat.send("93"))
    assert said.startswith("Viwango vya Soko vya malighafi.")
    assert "Hazikubaliwi:\n• Hakuna plastiki wala malighafi za kiwandani: " in said
    assert "Zinakaribishwa:\n• Chuma kilichotumika upya kinakaribishwa: " in said
    assert "karakana, angalia" not in said


def test_a_buyer_has_no_standards_entry(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    buyer = person(new_chat, uow_factory, "Bea Buyer", locale="en")
    buyer.chat.send("menu")
    assert "standards" not in "\n".join(buyer.chat.send("More"))
