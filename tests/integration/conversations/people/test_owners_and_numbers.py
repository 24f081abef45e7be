"""Transcripts on both databases: an owner (her number in ADMIN_PHONES) becomes a community
manager by her number on WhatsApp and on Telegram, one person across both; a role promised to
a number is told when she first writes; two shops on one number are refused kindly, once."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from conversations.engine import ChatEngine, Outcome
from store.models import Artisan, ArtisanStatus, AuditAction, Channel, PeopleAudit, Role, User
from store.services import people, roles
from store.services.audit import Actor
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan
from tests.integration.conversations.people.conftest import TelegramChat, WhatsAppChat
from tests.integration.conversations.people.menu_support import NOW, OWNER, start_with_owners

OWNER_TOLD = (
    "You are now one of this shop's owners on Soko: you check new pieces (“Review listings” "
    "in the menu) and appoint mentors and community managers (“People”)."
)


def user_of(uow_factory: UnitOfWorkFactory, channel: Channel, platform_id: str) -> User:
    with uow_factory() as uow:
        user = people.user_for_identity(uow.session, channel, platform_id)
        assert user is not None
        _ = user.roles, user.identities
        uow.session.expunge_all()
        return user


def test_an_owner_writing_on_whatsapp_is_a_community_manager_from_her_first_message(
    on_whatsapp: Callable[[str], WhatsAppChat], uow_factory: UnitOfWorkFactory
) -> None:
    start_with_owners(uow_factory, OWNER)
    grace = on_whatsapp(OWNER)
    first = grace.send("Hi")
    assert first[0] == "Welcome to Soko! Buy and sell handmade jewelry."
    assert first[-1] == OWNER_TOLD  # after the welcome, not before it
    menu = grace.send("1")[-1]
    assert menu.startswith("What would you like to do?")
    assert "Review listings" in menu
    user = user_of(uow_factory, Channel.WHATSAPP, OWNER)
    assert user.phone == OWNER
    assert {r.role for r in user.roles} == {Role.OWNER, Role.COMMUNITY_MANAGER}
    assert "Review listings" in grace.send("menu")[0]  # told once, kept


def test_an_owner_on_telegram_becomes_one_when_she_shares_her_own_contact(
    on_telegram: Callable[[str], TelegramChat], uow_factory: UnitOfWorkFactory
) -> None:
    start_with_owners(uow_factory, OWNER)
    grace = on_telegram("7001")
    grace.send("Hi")
    menu = grace.send("1")[-1]
    assert "Review listings" not in menu  # not known by her number yet
    # Someone else's contact proves nothing.
    assert "Review listings" not in "\n".join(grace.share_contact(OWNER, own=False))
    shared = grace.share_contact("254711000001")
    assert shared[:2] == ["Thanks — your number 0711 000001 is saved.", OWNER_TOLD]
    assert shared[2].startswith("What would you like to do?")
    assert "Review listings" in shared[2]
    assert len(shared) == 3


def test_the_same_number_on_whatsapp_then_telegram_is_one_person_with_her_roles(
    on_whatsapp: Callable[[str], WhatsAppChat],
    on_telegram: Callable[[str], TelegramChat],
    uow_factory: UnitOfWorkFactory,
) -> None:
    start_with_owners(uow_factory, OWNER)
    on_whatsapp(OWNER).send("Hi")
    whatsapp_user = user_of(uow_factory, Channel.WHATSAPP, OWNER)
    telegram = on_telegram("7002")
    telegram.send("Hi")
    telegram.send("2")  # she chats in Swahili on Telegram
    shared = telegram.share_contact(OWNER)
    assert shared[0] == "Asante — namba yako 0711 000001 imehifadhiwa."
    assert shared[-1].startswith("Ungependa kufanya nini?")
    assert "Kagua bidhaa" in shared[-1]  # "Review listings"
    assert len(shared) == 2  # nothing new to tell: her roles came with her
    one = user_of(uow_factory, Channel.TELEGRAM, "7002")
    assert one.id == whatsapp_user.id
    assert {i.channel for i in one.identities} == {Channel.WHATSAPP, Channel.TELEGRAM}
    assert one.locale == "sw"  # the language she chats in now


def test_the_same_number_on_telegram_then_whatsapp_is_one_person_too(
    on_whatsapp: Callable[[str], WhatsAppChat],
    on_telegram: Callable[[str], TelegramChat],
    uow_factory: UnitOfWorkFactory,
) -> None:
    telegram = on_telegram("7003")
    telegram.send("Hi")
    telegram.send("1")
    telegram.share_contact(OWNER)
    start_with_owners(uow_factory, OWNER)  # she is known: the roles are hers at start
    telegram.send("Sell your jewelry")  # a question is open on Telegram
    # Her first WhatsApp message: no welcome, she is known; she starts from her menu, which
    # has her roles.
    answers = on_whatsapp(OWNER).send("Habari")
    assert len(answers) == 1
    assert "Review listings" in answers[0]
    assert user_of(uow_factory, Channel.WHATSAPP, OWNER).id == (
        user_of(uow_factory, Channel.TELEGRAM, "7003").id
    )


def test_a_whatsapp_person_without_a_recorded_number_gets_it_at_her_next_message(
    on_whatsapp: Callable[[str], WhatsAppChat], uow_factory: UnitOfWorkFactory
) -> None:
    with uow_factory() as uow:  # she wrote before numbers were recorded
        people.find_or_create_user(uow.session, Channel.WHATSAPP, "+254722000333", now=NOW)
        uow.commit()
    on_whatsapp("+254722000333").send("menu")
    assert user_of(uow_factory, Channel.WHATSAPP, "+254722000333").phone == "+254722000333"


def test_a_mentor_appointed_before_she_has_a_shop_gets_her_code_with_it(
    on_whatsapp: Callable[[str], WhatsAppChat], uow_factory: UnitOfWorkFactory
) -> None:
    with uow_factory() as uow:
        roles.grant_to_phone(uow.session, Actor.operator(), "0722 000 444", Role.MENTOR, NOW)
        uow.commit()
    amina = on_whatsapp("+254722000444")
    assert amina.send("Habari")[-1] == (
        "You are now a mentor on Soko! First open your shop: send menu and choose “Sell your "
        "jewelry”. Your invitation code comes with it."
    )
    amina.send("1")
    assert amina.send("My recruits")[0] == (
        "You are a mentor on Soko. Open your shop first: choose “Sell your jewelry” in the "
        "menu. Your invitation code comes with it."
    )
    amina.send("menu")
    amina.send("Sell your jewelry")
    amina.send("1")  # her WhatsApp name
    amina.send("Amina Beads")
    amina.send("Kibera")
    amina.send("1")  # her own number for M-Pesa
    amina.send("skip")
    opened = amina.send("1")
    assert opened[0] == "Congratulations! Your shop Amina Beads is open."
    invitation = next(answer for answer in opened if "Your invitation code" in answer)
    assert "wa.me/14155238886?text=JOIN" in invitation
    with uow_factory() as uow:
        shop = uow.session.scalars(select(Artisan).where(Artisan.shop_name == "Amina Beads")).one()
        assert shop.status is ArtisanStatus.INDEPENDENT  # no mentor's code: on her own
        assert shop.mentor_since is not None


def test_a_seller_who_opens_her_shop_without_a_code_is_independent(
    on_whatsapp: Callable[[str], WhatsAppChat], uow_factory: UnitOfWorkFactory
) -> None:
    neema = on_whatsapp("+254722000555")
    neema.send("Hi")
    neema.send("1")
    neema.send("Sell your jewelry")
    for answer in ("1", "Neema Crafts", "Gikomba", "1", "skip"):
        neema.send(answer)
    opened = neema.send("1")
    assert opened[0] == "Congratulations! Your shop Neema Crafts is open."
    with uow_factory() as uow:
        shop = uow.session.scalars(select(Artisan).where(Artisan.shop_name == "Neema Crafts")).one()
        assert (shop.status, shop.mentor_id, shop.qualified_at is not None) == (
            ArtisanStatus.INDEPENDENT,
            None,
            True,
        )


def test_an_own_contact_shared_where_it_was_asked_is_the_answer_not_a_thank_you(
    on_telegram: Callable[[str], TelegramChat], uow_factory: UnitOfWorkFactory
) -> None:
    zawadi = on_telegram("7004")
    zawadi.send("Hi")
    zawadi.send("1")
    zawadi.send("Sell your jewelry")
    zawadi.send("Zawadi")
    zawadi.send("Zawadi Crafts")
    assert zawadi.send("Gikomba")[0].startswith("Which M-Pesa number")
    assert zawadi.share_contact("+254733123456")[0].startswith("Tell buyers your story")
    assert user_of(uow_factory, Channel.TELEGRAM, "7004").phone == "+254733123456"


def test_two_shops_on_one_number_are_refused_kindly_once(
    on_whatsapp: Callable[[str], WhatsAppChat], uow_factory: UnitOfWorkFactory
) -> None:
    with uow_factory() as uow:
        s = uow.session
        telegram_shop = make_artisan(s, locale="en")
        people.link_phone(s, telegram_shop.user_id, "+254722000666")
        # The same person opened a second shop on WhatsApp before numbers were recorded.
        whatsapp_user, _ = people.find_or_create_user(s, Channel.WHATSAPP, "+254722000666", now=NOW)
        second = make_artisan(s)
        second.user_id = whatsapp_user.id
        uow.commit()
    chat = on_whatsapp("+254722000666")
    answers = chat.send("menu")
    assert answers[0] == (
        "Your number 0722 000666 is already used by another Soko account with a shop, so "
        "I could not join your two accounts. Nothing is lost: each keeps its shop, and we have "
        "noted it for a community manager."
    )
    assert answers[1].startswith("What would you like to do?")
    assert len(chat.send("menu")) == 1  # told once
    with uow_factory() as uow:
        refusals = uow.session.scalars(
            select(PeopleAudit).where(PeopleAudit.action == AuditAction.MERGE_REFUSED)
        ).all()
        assert len(refusals) == 1


def test_numbers_linked_within_a_group_of_updates(
    on_whatsapp: Callable[[str], WhatsAppChat],
    on_telegram: Callable[[str], TelegramChat],
    soko: ChatEngine,
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Updates handled together (group commit): one records her number as she writes, the
    next joins her WhatsApp account to her Telegram one; each is answered as if alone."""
    with uow_factory() as uow:  # both wrote on WhatsApp before numbers were recorded
        for phone in (OWNER, "+254722000777"):
            people.find_or_create_user(uow.session, Channel.WHATSAPP, phone, now=NOW)
        uow.commit()
    start_with_owners(uow_factory, OWNER)  # she is known by her WhatsApp number already
    telegram = on_telegram("7010")
    telegram.send("Hi")
    telegram.send("1")
    telegram.share_contact(OWNER)  # her number is now her Telegram account's phone
    baraka, grace = on_whatsapp("+254722000777"), on_whatsapp(OWNER)
    before = baraka.last_outbox_id()
    ids = [
        baraka.record(baraka.inbound("menu")).inbox_id,
        grace.record(grace.inbound("menu")).inbox_id,
        baraka.record(baraka.inbound("menu")).inbox_id,
    ]
    results = soko.handle_many(ids)
    assert [r.outcome for r in results] == [Outcome.HANDLED] * 3
    assert [a.startswith("What would you like to do?") for a in baraka.answers_since(before)] == [
        True,
        True,
    ]
    [menu] = grace.answers_since(before)
    assert "Review listings" in menu
    assert user_of(uow_factory, Channel.WHATSAPP, "+254722000777").phone == "+254722000777"
    one = user_of(uow_factory, Channel.WHATSAPP, OWNER)
    assert one.id == user_of(uow_factory, Channel.TELEGRAM, "7010").id
    assert {r.role for r in one.roles} == {Role.OWNER, Role.COMMUNITY_MANAGER}
