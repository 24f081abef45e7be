"""Old buttons in the People menu, as transcripts on both databases: a tap on an old card or
question acts on the person as she is now, or says kindly that she is no longer there."""

from __future__ import annotations

from collections.abc import Callable

from store.models import ArtisanStatus, Role
from store.services import people
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.artisans_support import messages_to
from tests.integration.conversations.people.conftest import TelegramChat, WhatsAppChat
from tests.integration.conversations.people.menu_support import (
    AMINA,
    AMINA_CARD,
    AMINA_MENTOR_CARD,
    AMINA_SUSPENDED_CARD,
    NEEMA,
    Audit,
    community_manager,
    roles_of,
    seller_on_whatsapp,
    user_id,
)


def test_taps_on_an_old_card_act_on_her_as_she_is_now(
    grace: WhatsAppChat,
    amina: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    uow_factory: UnitOfWorkFactory,
    audit: Audit,
) -> None:
    seller = user_id(uow_factory, AMINA)
    neema = community_manager(grace, on_whatsapp, NEEMA, "Neema")
    grace.send("People")
    grace.send("Amina Beads")
    assert grace.send("Make mentor")[0] == "Amina Wanjiru is now a mentor; she has been told."
    # The same button again, on the card she had: she is one already.
    assert grace.tap(f"pp:mentor:{seller}") == [
        "Amina Wanjiru is already a mentor: nothing changed.",
        AMINA_MENTOR_CARD,
    ]
    # Neema stops it meanwhile; Grace's "Stop mentoring" is then about nothing.
    neema.send("People")
    neema.send(AMINA)
    assert neema.send("Stop mentoring")[0] == (
        "Amina Wanjiru is no longer a mentor; she has been told."
    )
    assert grace.tap(f"pp:unmentor:{seller}") == [
        "Amina Wanjiru is not a mentor: nothing changed.",
        AMINA_CARD,
    ]
    # Grace asks to suspend; Neema suspends first; Grace's "Yes" finds it done.
    grace.send("Suspend shop")
    grace.send("Fake photos")
    neema.send("Suspend shop")
    neema.send("Pieces bought in town")
    neema.send("Yes")
    assert grace.send("Yes") == [
        "Amina Beads is already suspended: nothing changed.",
        AMINA_SUSPENDED_CARD,
    ]
    # A "Yes" from that old question, once it is closed, does nothing.
    assert grace.tap(f"pp:yes:{seller}") == [
        "That question is closed. This is how things stand now:",
        AMINA_SUSPENDED_CARD,
    ]
    # "Make mentor" from an old card while her shop is suspended: kindly refused.
    assert grace.tap(f"pp:mentor:{seller}") == [
        "Amina Beads is suspended: reinstate it first, then make her a mentor.",
        AMINA_SUSPENDED_CARD,
    ]
    assert audit()[1:] == [
        "Grace (+254711000001) grant mentor Amina Wanjiru (+254722000444)",
        "Neema (+254733000555) revoke mentor Amina Wanjiru (+254722000444)",
        "Neema (+254733000555) suspend amina-beads (suspended) (Pieces bought in town)",
    ]


def test_a_promise_tapped_after_she_wrote_gives_her_the_role_at_once(
    grace: WhatsAppChat, on_whatsapp: Callable[..., WhatsAppChat], uow_factory: UnitOfWorkFactory
) -> None:
    grace.send("People")
    assert grace.send("0733 111 333")[0].startswith("Nobody on Soko is known by 0733 111333")
    on_whatsapp("+254733111333", name="Zawadi").send("Hi")  # she writes meanwhile
    assert grace.send("Make mentor when she writes") == [
        "Zawadi is now a mentor; she has been told.",
        "Zawadi\nPhone: 0733 111333\nRoles: mentor\nShop: none\n1. Stop mentoring\n"
        "2. Make community manager\n3. Find someone else\n4. Menu",
    ]
    zawadi = user_id(uow_factory, "+254733111333")
    assert messages_to(uow_factory, zawadi)[-1].startswith("You are now a mentor on Soko!")


def test_a_card_of_someone_since_joined_into_another_account(
    grace: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    on_telegram: Callable[[str], TelegramChat],
    uow_factory: UnitOfWorkFactory,
) -> None:
    telegram = on_telegram("7010")
    telegram.send("Hi")  # her first account, on Telegram
    on_whatsapp("+254733000777", name="Zawadi").send("Hi")  # her second, on WhatsApp
    grace.send("People")
    assert grace.send("0733 000 777")[0].startswith("Zawadi\nPhone: 0733 000777\n")
    # She shares her number on Telegram: the two become one, the older account.
    telegram.share_contact("+254733000777")
    assert grace.send("Make mentor") == [
        "I can’t find that person any more (her accounts may have been joined into one). Type "
        "a phone number or part of a shop’s name to look again:\n1. Menu"
    ]
    assert grace.send("0733 000 777")[0].startswith("Wanjiku\nPhone: 0733 000777\n")


def test_a_forged_promise_to_no_number_is_answered_kindly(
    grace: WhatsAppChat, uow_factory: UnitOfWorkFactory, audit: Audit
) -> None:
    grace.send("People")
    recorded = audit()
    assert grace.tap("pn:pmentor:+1234567") == [
        "+1234567 is not a phone number I know. Type it like 0712 345 678 or +254 712 345 678, "
        "or type part of a shop’s name:\n1. Menu"
    ]
    assert grace.tap("pn:pcm:+1234567")[0].startswith("+1234567 is not a phone number I know.")
    # Typed, the same characters are words to look up, never an action.
    assert grace.send("pn:pcm:+1234567")[0].startswith("No shop’s name has")
    assert audit() == recorded


def test_an_old_card_never_acts_on_whoever_wrote_after_her_account_was_joined(
    grace: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    on_telegram: Callable[[str], TelegramChat],
    uow_factory: UnitOfWorkFactory,
    audit: Audit,
) -> None:
    """Joining two accounts deletes the newer one; a card or an open question about it must
    never reach the next person to write (SQLite reused a deleted row's id)."""
    telegram = on_telegram("7777")
    telegram.send("Hi")
    telegram.send("1")  # her first account, on Telegram
    zawadi = seller_on_whatsapp(on_whatsapp, "+254722555000", "Zawadi", "Zawadi Shanga", "Kibera")
    joined = user_id(uow_factory, "+254722555000")
    grace.send("People")
    grace.send("Zawadi Shanga")
    grace.send("Suspend shop")
    assert grace.send("Fake photos")[0].startswith("Suspend Zawadi’s shop Zawadi Shanga?")
    telegram.share_contact("+254722555000")  # the two become one: her WhatsApp account goes
    assert zawadi.send("menyu")[0].startswith("Ungependa kufanya nini?")
    seller_on_whatsapp(on_whatsapp, "+254799888777", "Mallory", "Mallory Beads", "Karen")
    stranger = user_id(uow_factory, "+254799888777")
    assert stranger != joined
    recorded = audit()
    gone = [
        "I can’t find that person any more (her accounts may have been joined into one). Type "
        "a phone number or part of a shop’s name to look again:\n1. Menu"
    ]
    assert grace.send("Yes") == gone
    assert grace.tap(f"pp:cm:{joined}") == gone
    assert grace.tap(f"pp:mentor:{joined}") == gone
    assert roles_of(uow_factory, stranger) == {Role.ARTISAN}
    assert audit() == recorded
    with uow_factory(read_only=True) as uow:
        shop = people.artisan_for_user(uow.session, stranger)
        assert shop is not None
        assert shop.status is ArtisanStatus.INDEPENDENT
