"""Who may do what in the People menu, as transcripts on both databases: owners make
community managers, community managers make mentors, and someone who lost the role is
refused; crafted payloads change nothing."""

from __future__ import annotations

from collections.abc import Callable

from store.models import Role
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.people.conftest import WhatsAppChat
from tests.integration.conversations.people.menu_support import (
    AMINA,
    NEEMA,
    NOT_ALLOWED,
    OWNER,
    Audit,
    community_manager,
    roles_of,
    seller_on_whatsapp,
    start_with_owners,
    user_id,
)


def test_a_community_manager_cannot_make_community_managers_even_with_a_crafted_payload(
    grace: WhatsAppChat,
    amina: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    uow_factory: UnitOfWorkFactory,
    audit: Audit,
) -> None:
    neema = community_manager(grace, on_whatsapp, NEEMA, "Neema")
    neema.send("People")
    assert neema.send("Amina") == [
        "Amina Wanjiru\nPhone: 0722 000444\nRoles: artisan\nShop: Amina Beads, Kibera\n"
        "Her shop is independent.\nWorkshop: never visited.\n1. Make mentor\n2. Suspend shop\n"
        "3. Record a visit\n4. Find someone else\n5. Menu"
    ]
    seller = user_id(uow_factory, AMINA)
    recorded = audit()
    assert neema.tap(f"pp:cm:{seller}") == NOT_ALLOWED
    # Typed, the same characters are a shop's name to look for, never an action.
    assert neema.send(f"pp:cm:{seller}")[0].startswith("No shop’s name has “pp:cm:")
    assert neema.send("Make community manager")[0].startswith("No shop’s name has")
    assert roles_of(uow_factory, seller) == {Role.ARTISAN}
    assert audit() == recorded
    # Nor may she promise it to a number.
    neema.send("People")
    assert neema.send("0733 111 222") == [
        "Nobody on Soko is known by 0733 111222 yet. You can give her a role now: she gets "
        "it when she first writes from that number.\n1. Make mentor when she writes\n"
        "2. Find someone else\n3. Menu"
    ]
    assert neema.tap("pn:pcm:+254733111222") == NOT_ALLOWED
    assert audit() == recorded


def test_nobody_makes_herself_a_mentor_nor_suspends_her_own_shop(
    grace: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    uow_factory: UnitOfWorkFactory,
    audit: Audit,
) -> None:
    wanjiru = seller_on_whatsapp(on_whatsapp, NEEMA, "Neema", "Neema Crafts", "Gikomba")
    grace.send("People")
    grace.send(NEEMA)
    grace.send("Make community manager")
    neema = user_id(uow_factory, NEEMA)
    wanjiru.send("menyu")
    wanjiru.send("Watu")
    assert wanjiru.send("+254 733 000 555") == [
        "Neema\nSimu: 0733 000555\nMajukumu: msimamizi wa jamii, fundi\n"
        "Duka: Neema Crafts, Gikomba\nDuka lake linajitegemea.\n"
        "Karakana: haijawahi kutembelewa.\n1. Tafuta mtu mwingine\n2. Menyu"
    ]
    recorded = audit()
    for forged in (f"pp:mentor:{neema}", f"pp:suspend:{neema}", f"pp:cm:{neema}"):
        assert wanjiru.tap(forged) == ["Samahani, huwezi kufanya hivyo."], forged
    assert roles_of(uow_factory, neema) == {Role.COMMUNITY_MANAGER, Role.ARTISAN}
    assert audit() == recorded
    # The owner, on her own card, has nothing to give herself either.
    grace.send("People")
    assert grace.send(OWNER) == [
        "Grace\nPhone: 0711 000001\nRoles: owner, community manager\nShop: none\n"
        "1. Find someone else\n2. Menu"
    ]
    assert grace.tap(f"pp:mentor:{user_id(uow_factory, OWNER)}") == NOT_ALLOWED


def test_only_an_owner_acts_on_an_owner(
    grace: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    uow_factory: UnitOfWorkFactory,
    audit: Audit,
) -> None:
    for answer in ("menu", "Sell your jewelry", "Grace Gems", "Karen", "1"):
        grace.send(answer)
    assert grace.send("1")[0] == "Congratulations! Your shop Grace Gems is open."
    start_with_owners(uow_factory, OWNER, "+254711000002")  # a second owner
    achieng = on_whatsapp("+254711000002", name="Achieng")
    achieng.send("Hi")
    achieng.send("1")
    achieng.send("People")
    achieng.send(OWNER)
    assert achieng.send("Make mentor")[0] == "Grace is now a mentor; she has been told."
    neema = community_manager(grace, on_whatsapp, NEEMA, "Neema")
    neema.send("People")
    assert neema.send("0711 000 001") == [
        "Grace\nPhone: 0711 000001\nRoles: owner, community manager, mentor, artisan\n"
        "Shop: Grace Gems, Karen\nHer shop is independent.\nWorkshop: never visited.\n"
        "1. Find someone else\n2. Menu"
    ]
    recorded = audit()
    owner = user_id(uow_factory, OWNER)
    for forged in (f"pp:unmentor:{owner}", f"pp:suspend:{owner}", f"pp:uncm:{owner}"):
        assert neema.tap(forged) == NOT_ALLOWED, forged
    assert roles_of(uow_factory, owner) == {
        Role.OWNER,
        Role.COMMUNITY_MANAGER,
        Role.MENTOR,
        Role.ARTISAN,
    }
    assert audit() == recorded
    # The other owner may.
    achieng.send(OWNER)
    assert achieng.send("Stop mentoring")[0] == "Grace is no longer a mentor; she has been told."


def test_an_owner_stays_a_community_manager(
    on_whatsapp: Callable[..., WhatsAppChat], uow_factory: UnitOfWorkFactory, audit: Audit
) -> None:
    start_with_owners(uow_factory, OWNER, "+254711000002")
    achieng = on_whatsapp("+254711000002", name="Achieng")
    achieng.send("Hi")
    grace = on_whatsapp(OWNER, name="Grace")
    grace.send("Hi")
    grace.send("1")
    grace.send("People")
    card = (
        "Achieng\nPhone: 0711 000002\nRoles: owner, community manager\nShop: none\n"
        "1. Make mentor\n2. Find someone else\n3. Menu"
    )
    assert grace.send("0711 000 002") == [card]
    recorded = audit()
    achieng_id = user_id(uow_factory, "+254711000002")
    assert grace.tap(f"pp:uncm:{achieng_id}") == [
        "Achieng is one of the shop’s owners: she stays a community manager while her number "
        "is in the shop’s settings (ADMIN_PHONES). Nothing changed.",
        card,
    ]
    assert audit() == recorded


def test_a_manager_who_lost_the_role_is_refused_and_nothing_changes(
    grace: WhatsAppChat,
    amina: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    uow_factory: UnitOfWorkFactory,
) -> None:
    neema = community_manager(grace, on_whatsapp, NEEMA, "Neema")
    neema.send("People")
    neema.send("Amina Beads")
    grace.send("People")
    grace.send(NEEMA)
    grace.send("Remove community manager")
    assert neema.send("Make mentor") == NOT_ALLOWED
    assert neema.send("0722 000 444") == NOT_ALLOWED  # nor look anyone up
    assert roles_of(uow_factory, user_id(uow_factory, AMINA)) == {Role.ARTISAN}
    assert "People" not in neema.send("menu")[0]
