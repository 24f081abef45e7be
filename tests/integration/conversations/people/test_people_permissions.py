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
        "Amina Wanjiru\nPhone: +254 722 000444\nRoles: artisan\nShop: Amina Beads, Kibera\n"
        "Her shop is independent.\n1. Make mentor\n2. Suspend shop\n3. Find someone else\n"
        "4. Menu"
    ]
    seller = user_id(uow_factory, AMINA)
    recorded = audit()
    assert neema.tap(f"pp:cm:{seller}") == NOT_ALLOWED
    assert neema.send(f"pp:cm:{seller}") == NOT_ALLOWED
    assert neema.send("Make community manager")[0].startswith("No shop’s name has")
    assert roles_of(uow_factory, seller) == {Role.ARTISAN}
    assert audit() == recorded
    # Nor may she promise it to a number.
    neema.send("People")
    assert neema.send("0733 111 222") == [
        "Nobody on Soko is known by +254 733 111222 yet. You can give her a role now: she gets "
        "it when she first writes from that number.\n1. Make mentor when she writes\n"
        "2. Find someone else\n3. Menu"
    ]
    assert neema.tap("pp:pcm:+254733111222") == NOT_ALLOWED
    assert audit() == recorded


def test_a_manager_may_make_herself_a_mentor(
    grace: WhatsAppChat, on_whatsapp: Callable[..., WhatsAppChat], uow_factory: UnitOfWorkFactory
) -> None:
    neema = community_manager(grace, on_whatsapp, NEEMA, "Neema")
    neema.send("People")
    neema.send("+254 733 000 555")
    assert neema.send("make mentor") == [  # typed, not tapped
        "You are now a mentor on Soko! First open your shop: send menu and choose “Sell your "
        "jewelry”. Your invitation code comes with it.",
        "Neema\nPhone: +254 733 000555\nRoles: community manager, mentor\nShop: none\n"
        "1. Stop mentoring\n2. Find someone else\n3. Menu",
    ]
    assert roles_of(uow_factory, user_id(uow_factory, NEEMA)) == {
        Role.COMMUNITY_MANAGER,
        Role.MENTOR,
    }


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
        "Achieng\nPhone: +254 711 000002\nRoles: owner, community manager\nShop: none\n"
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
