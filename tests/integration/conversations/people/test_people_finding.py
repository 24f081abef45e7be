"""The People menu finds people, as transcripts on both databases: the owner (ADMIN_PHONES) on
WhatsApp finds sellers who opened their shops in the chat by a number in any form or by a
shop's name; several shops make a list, none a kind word."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from store.models import Artisan, ArtisanStatus, Role
from store.phones import shown_phone
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan
from tests.integration.conversations.artisans_support import messages_to
from tests.integration.conversations.people.conftest import WhatsAppChat
from tests.integration.conversations.people.menu_support import (
    AMINA,
    AMINA_CARD,
    AMINA_MENTOR_CARD,
    ASK,
    CARD_ACTIONS,
    NEVER_VISITED,
    Audit,
    roles_of,
    seller_on_whatsapp,
    user_id,
)


def test_an_owner_finds_a_seller_by_number_or_shop_name_and_makes_her_a_mentor(
    grace: WhatsAppChat, amina: WhatsAppChat, uow_factory: UnitOfWorkFactory, audit: Audit
) -> None:
    menu = [line.split(". ", 1)[1] for line in grace.send("menu")[0].splitlines()[1:]]
    assert menu[menu.index("Review listings") + 1] == "People"
    assert grace.send("People") == [ASK]
    for typed in (
        "0722 000 444",
        "+254722000444",
        "254 722 000 444",
        "(0722) 000-444",
        "00254 722 000 444",
        "٠٧٢٢٠٠٠٤٤٤",
    ):
        assert grace.send(typed) == [AMINA_CARD], typed
        assert grace.send("Find someone else") == [ASK]
    assert grace.send("amina") == [AMINA_CARD]
    seller = user_id(uow_factory, AMINA)
    told_before = len(messages_to(uow_factory, seller))

    assert grace.send("Make mentor") == [
        "Amina Wanjiru is now a mentor; she has been told.",
        AMINA_MENTOR_CARD,
    ]
    [told] = messages_to(uow_factory, seller)[told_before:]
    assert told.startswith(
        "Sasa wewe ni mlezi kwenye Soko! Alika mafundi wapya na uwaongoze hadi mauzo yao ya "
        "kwanza.\nMsimbo wako wa mwaliko: "
    )
    assert "Alika kwa WhatsApp: https://wa.me/14155238886?text=JIUNGE" in told
    assert "https://t.me/SokoTestBot?start=ref-" in told
    assert roles_of(uow_factory, seller) == {Role.ARTISAN, Role.MENTOR}
    assert audit() == ["Grace (+254711000001) grant mentor Amina Wanjiru (+254722000444)"]


def test_several_shops_none_and_leaving(
    grace: WhatsAppChat, amina: WhatsAppChat, on_whatsapp: Callable[..., WhatsAppChat]
) -> None:
    seller_on_whatsapp(on_whatsapp, "+254722000888", "Achieng Otieno", "Achieng Beads", "Gikomba")
    grace.send("People")
    assert grace.send("beads") == [
        "Shops with “beads” in their name. Pick one, or type to look again:\n"
        "1. Achieng Beads (Gikomba)\n2. Amina Beads (Kibera)"
    ]
    assert grace.send("2") == [AMINA_CARD]
    grace.send("Find someone else")
    assert grace.send("pottery") == [
        "No shop’s name has “pottery” in it. Type a phone number or another part of the "
        "name:\n1. Menu"
    ]
    assert grace.send("0722 00") == [
        "0722 00 is not a phone number I know. Type it like 0712 345 678 or +254 712 345 678, "
        "or type part of a shop’s name:\n1. Menu"
    ]
    assert grace.send("achieng")[0].startswith("Achieng Otieno\n")
    assert grace.send("cancel")[0] == "Cancelled."
    assert grace.send("menu")[0].startswith("What would you like to do?")


def test_many_shops_are_listed_ten_at_a_time_and_a_recruit_shows_her_mentor(
    grace: WhatsAppChat, uow_factory: UnitOfWorkFactory
) -> None:
    with uow_factory() as uow:
        mentor = make_artisan(uow.session, "Mama Shiro", status=ArtisanStatus.INDEPENDENT)
        for n in range(11):
            shop = make_artisan(uow.session, f"Seller {n:02d}", mentor=mentor)
            shop.shop_name = f"Shanga {n:02d}"
        uow.commit()
    grace.send("People")
    listed = grace.send("shanga")[0].splitlines()
    assert listed[0] == (
        "The first 10 shops with “shanga” in their name. Pick one, or type more of the name "
        "to find others:"
    )
    assert listed[1:] == [f"{n + 1}. Shanga {n:02d} (Kibera, Nairobi)" for n in range(10)]
    assert grace.send("Shanga 10") == [
        "Seller 10\nPhone: not known\nRoles: artisan\nShop: Shanga 10, Kibera, Nairobi\n"
        f"M-Pesa: {shown_phone(mpesa_of(uow_factory, 'Shanga 10'))}\n"
        "Her shop is mentored by Mama Shiro.\n" + NEVER_VISITED + CARD_ACTIONS
    ]


def mpesa_of(uow_factory: UnitOfWorkFactory, shop_name: str) -> str:
    with uow_factory(read_only=True) as uow:
        phone = uow.session.scalars(
            select(Artisan.mpesa_phone).where(Artisan.shop_name == shop_name)
        ).one()
        assert phone is not None
        return phone


def test_what_she_typed_is_shown_back_short(grace: WhatsAppChat) -> None:
    grace.send("People")
    assert grace.send("Vito " + "W" * 5000) == [
        "No shop’s name has “Vito " + "W" * 54 + "…” in it. Type a phone number or another part "
        "of the name:\n1. Menu"
    ]
    assert grace.send("9" * 5000) == [
        "9" * 59 + "… is not a phone number I know. Type it like 0712 345 678 or +254 712 345 "
        "678, or type part of a shop’s name:\n1. Menu"
    ]
    # Short enough: as she typed it, spaces tidied.
    assert grace.send("  Shanga   za  Mama  ")[0].startswith("No shop’s name has “Shanga za Mama”")


def test_a_number_a_shop_typed_for_m_pesa_is_not_hers_to_be_given_a_role(
    grace: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    uow_factory: UnitOfWorkFactory,
    audit: Audit,
) -> None:
    # Mallory opens a shop and types Njeri's number as her M-Pesa number; Njeri has never
    # written to Soko.
    mallory = on_whatsapp("+254799000111", name="Mallory")
    for answer in ("Hi", "1", "Sell your jewelry", "Mallory Beads", "Kibera"):
        mallory.send(answer)
    mallory.send("0722 000 009")
    assert mallory.send("1")[0] == "Congratulations! Your shop Mallory Beads is open."
    grace.send("People")
    assert grace.send("0722 000 009") == [
        "Nobody on Soko is known by 0722 000009 yet. You can give her a role now: she gets "
        "it when she first writes from that number.\n"
        "A shop uses this number for M-Pesa: Mallory Beads. That does not make the number "
        "hers: a role given here goes to whoever writes from it.\n"
        "1. Make mentor when she writes\n2. Make community manager when she writes\n"
        "3. Mallory Beads (Kibera)\n4. Find someone else\n5. Menu"
    ]
    assert grace.send("Make mentor when she writes")[0] == (
        "Done: whoever first writes from 0722 000009 becomes a mentor."
    )
    assert roles_of(uow_factory, user_id(uow_factory, "+254799000111")) == {Role.ARTISAN}
    grace.send("0722 000 009")
    assert grace.send("Mallory Beads (Kibera)")[0].startswith(  # her card, to look at
        "Mallory\nPhone: 0799 000111\nRoles: artisan\nShop: Mallory Beads, Kibera\n"
        "M-Pesa: 0722 000009\n"
    )
    njeri = on_whatsapp("+254722000009", name="Njeri")
    assert njeri.send("Hi")[-1].startswith("You are now a mentor on Soko!")
    assert roles_of(uow_factory, user_id(uow_factory, "+254722000009")) == {Role.MENTOR}
    assert roles_of(uow_factory, user_id(uow_factory, "+254799000111")) == {Role.ARTISAN}
    assert audit() == [
        "Grace (+254711000001) promise mentor +254722000009",
        "Grace (+254711000001) grant mentor Njeri (+254722000009) (promised to +254722000009)",
    ]
