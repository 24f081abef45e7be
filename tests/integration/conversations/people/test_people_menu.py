"""The People menu, as transcripts on both databases: the owner (ADMIN_PHONES) on WhatsApp
finds sellers who opened their shops in the chat, by number in any form or by shop name,
makes and unmakes mentors and community managers, suspends and reinstates a shop and
promises a role to a number; each person is told in her language and each change is in the
audit that `soko admin roles list --history` prints. Nothing is set up behind the bot's back
but the owner's number."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from store.models import Artisan, ArtisanStatus, Role
from store.services.people import format_phone
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan
from tests.integration.conversations.artisans_support import messages_to
from tests.integration.conversations.people.conftest import TelegramChat, WhatsAppChat
from tests.integration.conversations.people.menu_support import (
    ASK,
    OWNER,
    SWAHILI_ASK,
    history,
    owner_on_whatsapp,
    roles_of,
    seller_on_whatsapp,
    start_with_owners,
    user_id,
)

AMINA = "+254722000444"
NEEMA = "+254733000555"
CARD_ACTIONS = (
    "1. Make mentor\n2. Suspend shop\n3. Make community manager\n4. Find someone else\n5. Menu"
)
AMINA_CARD = (
    "Amina Wanjiru\nPhone: +254 722 000444\nRoles: artisan\nShop: Amina Beads, Kibera\n"
    "Her shop is independent.\n" + CARD_ACTIONS
)
AMINA_MENTOR_CARD = (
    "Amina Wanjiru\nPhone: +254 722 000444\nRoles: mentor, artisan\nShop: Amina Beads, Kibera\n"
    "Her shop is independent.\n1. Stop mentoring\n2. Suspend shop\n3. Make community manager\n"
    "4. Find someone else\n5. Menu"
)
AMINA_SUSPENDED_CARD = (
    "Amina Wanjiru\nPhone: +254 722 000444\nRoles: artisan\nShop: Amina Beads, Kibera\n"
    "Her shop is suspended.\n1. Reinstate shop\n2. Make community manager\n"
    "3. Find someone else\n4. Menu"
)
NOT_ALLOWED = ["Sorry, you can't do that."]

Audit = Callable[[], list[str]]


@pytest.fixture
def audit(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> Audit:
    """The changes made in the chat (not those ADMIN_PHONES made at start)."""

    def by_people() -> list[str]:
        lines = history(engine, monkeypatch, capsys, tmp_path)
        return [line for line in lines if not line.startswith("ADMIN_PHONES ")]

    return by_people


@pytest.fixture
def grace(on_whatsapp: Callable[..., WhatsAppChat], uow_factory: UnitOfWorkFactory) -> WhatsAppChat:
    return owner_on_whatsapp(on_whatsapp, uow_factory)


@pytest.fixture
def amina(on_whatsapp: Callable[..., WhatsAppChat]) -> WhatsAppChat:
    return seller_on_whatsapp(on_whatsapp, AMINA, "Amina Wanjiru", "Amina Beads", "Kibera")


def community_manager(
    grace: WhatsAppChat, on_whatsapp: Callable[..., WhatsAppChat], phone: str, name: str
) -> WhatsAppChat:
    """Someone who writes on WhatsApp, made a community manager by the owner in chat."""
    manager = on_whatsapp(phone, name=name)
    manager.send("Hi")
    manager.send("1")
    grace.send("menu")
    grace.send("People")
    grace.send(phone)
    assert grace.send("Make community manager")[0] == (
        f"{name} is now a community manager; she has been told."
    )
    grace.send("menu")
    manager.send("menu")  # as she is told to
    return manager


def test_an_owner_finds_a_seller_by_number_or_shop_name_and_makes_her_a_mentor(
    grace: WhatsAppChat, amina: WhatsAppChat, uow_factory: UnitOfWorkFactory, audit: Audit
) -> None:
    menu = [line.split(". ", 1)[1] for line in grace.send("menu")[0].splitlines()[1:]]
    assert menu[menu.index("Review listings") + 1] == "People"
    assert grace.send("People") == [ASK]
    for typed in ("0722 000 444", "+254722000444", "254 722 000 444", "(0722) 000-444"):
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


def test_stop_mentoring_suspend_with_a_reason_and_reinstate_each_told_and_audited(
    grace: WhatsAppChat, amina: WhatsAppChat, uow_factory: UnitOfWorkFactory, audit: Audit
) -> None:
    seller = user_id(uow_factory, AMINA)
    grace.send("People")
    grace.send("Amina Beads")
    grace.send("Make mentor")
    assert grace.send("Stop mentoring") == [
        "Amina Wanjiru is no longer a mentor; she has been told.",
        AMINA_CARD,
    ]
    assert messages_to(uow_factory, seller)[-1] == (
        "Wewe si mlezi kwenye Soko tena, kwa hivyo msimbo wako wa mwaliko haufanyi kazi tena. "
        "Wanafunzi wako wanabaki na maduka yao."
    )
    assert grace.send("Suspend shop") == [
        "Why suspend Amina Beads? Type a short reason for the record, or send skip.\n1. Skip"
    ]
    assert grace.send("Plastic beads sold as glass") == [
        "Suspend Amina Wanjiru’s shop Amina Beads? Until it is reinstated, buyers will not see "
        "or buy her pieces, and she will not be able to list new ones or mentor anyone. Orders "
        "already paid are still hers to send. She will be told.\n1. Yes\n2. No"
    ]
    assert grace.send("Yes") == [
        "Amina Beads is suspended; she has been told.",
        AMINA_SUSPENDED_CARD,
    ]
    assert messages_to(uow_factory, seller)[-1] == (
        "Duka lako Amina Beads limesimamishwa na wasimamizi wa jamii wa Soko: hadi lifunguliwe "
        "tena, wanunuzi hawawezi kuona wala kununua bidhaa zako, na huwezi kuweka bidhaa "
        "mpya. Oda zilizolipwa tayari bado lazima uzitume: tuma menyu, kisha chagua “Maagizo "
        "ya kutuma”."
    )
    assert grace.send("Reinstate shop") == [
        "Amina Beads is open again; she has been told.",
        AMINA_CARD,
    ]
    assert messages_to(uow_factory, seller)[-1] == (
        "Habari njema: duka lako Amina Beads limefunguliwa tena. Wanunuzi wanaweza kuona na "
        "kununua bidhaa zako, na unaweza kuweka bidhaa mpya."
    )
    assert audit() == [
        "Grace (+254711000001) grant mentor Amina Wanjiru (+254722000444)",
        "Grace (+254711000001) revoke mentor Amina Wanjiru (+254722000444)",
        "Grace (+254711000001) suspend amina-beads (independent) (Plastic beads sold as glass)",
        "Grace (+254711000001) reinstate amina-beads (independent)",
    ]


def test_a_suspension_without_a_reason_or_not_confirmed(
    grace: WhatsAppChat, amina: WhatsAppChat, uow_factory: UnitOfWorkFactory, audit: Audit
) -> None:
    grace.send("People")
    grace.send("0722000444")
    grace.send("Suspend shop")
    assert grace.send("skip")[0].startswith("Suspend Amina Wanjiru’s shop Amina Beads?")
    assert grace.send("maybe") == ["Please pick one of the options.\n1. Yes\n2. No"]
    assert grace.send("No") == ["Nothing changed.", AMINA_CARD]
    grace.send("Suspend shop")
    grace.send("Skip")
    assert grace.send("1") == ["Amina Beads is suspended; she has been told.", AMINA_SUSPENDED_CARD]
    assert audit() == ["Grace (+254711000001) suspend amina-beads (suspended)"]


def test_an_owner_makes_a_community_manager_who_then_has_review_and_people(
    grace: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    uow_factory: UnitOfWorkFactory,
    audit: Audit,
) -> None:
    neema = on_whatsapp(NEEMA, name="Neema")
    neema.send("Hi")
    menu = neema.send("1")[0]
    assert "Review listings" not in menu
    assert "People" not in menu
    grace.send("People")
    assert grace.send("0733 000 555") == [
        "Neema\nPhone: +254 733 000555\nRoles: none (she buys only)\nShop: none\n"
        "1. Make mentor\n2. Make community manager\n3. Find someone else\n4. Menu"
    ]
    assert grace.send("Make community manager") == [
        "Neema is now a community manager; she has been told.",
        "Neema\nPhone: +254 733 000555\nRoles: community manager\nShop: none\n"
        "1. Make mentor\n2. Remove community manager\n3. Find someone else\n4. Menu",
    ]
    assert messages_to(uow_factory, user_id(uow_factory, NEEMA))[-1] == (
        "You are now a community manager on Soko. Send menu and choose “Review listings” to "
        "check new pieces, or “People” to appoint mentors."
    )
    menu = neema.send("menu")[0]
    assert "Review listings\n" in menu
    assert "People\n" in menu
    assert audit() == [
        "Grace (+254711000001) grant community_manager Neema (+254733000555)",
    ]
    assert grace.send("Remove community manager")[0] == (
        "Neema is no longer a community manager; she has been told."
    )
    assert "People" not in neema.send("menu")[0]


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


def test_a_role_promised_to_an_unknown_number_is_hers_when_she_writes(
    grace: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    uow_factory: UnitOfWorkFactory,
    audit: Audit,
) -> None:
    grace.send("People")
    assert grace.send("0733 111 222") == [
        "Nobody on Soko is known by +254 733 111222 yet. You can give her a role now: she gets "
        "it when she first writes from that number.\n1. Make mentor when she writes\n"
        "2. Make community manager when she writes\n3. Find someone else\n4. Menu"
    ]
    assert grace.send("Make mentor when she writes") == [
        "Done: whoever first writes from +254 733 111222 becomes a mentor.",
        ASK,
    ]
    assert grace.send("0733111222")[0].startswith("Nobody on Soko is known by +254 733 111222")
    assert grace.send("1") == [
        "That was already promised to +254 733 111222: nothing changed.",
        ASK,
    ]
    zawadi = on_whatsapp("+254733111222", name="Zawadi", locale_hint=None)
    assert zawadi.send("Habari")[-1] == (
        "Sasa wewe ni mlezi kwenye Soko! Kwanza fungua duka lako: tuma menyu kisha uchague “Uza "
        "vito vyako”. Msimbo wako wa mwaliko utakuja pamoja nalo."
    )
    assert roles_of(uow_factory, user_id(uow_factory, "+254733111222")) == {Role.MENTOR}
    assert audit() == [
        "Grace (+254711000001) promise mentor +254733111222",
        "Grace (+254711000001) grant mentor Zawadi (+254733111222) (promised to +254733111222)",
    ]


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
    grace.send("skip")
    neema.send("Suspend shop")
    neema.send("skip")
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
        "Neema (+254733000555) suspend amina-beads (suspended)",
    ]


def test_a_promise_tapped_after_she_wrote_gives_her_the_role_at_once(
    grace: WhatsAppChat, on_whatsapp: Callable[..., WhatsAppChat], uow_factory: UnitOfWorkFactory
) -> None:
    grace.send("People")
    assert grace.send("0733 111 333")[0].startswith("Nobody on Soko is known by +254 733 111333")
    on_whatsapp("+254733111333", name="Zawadi").send("Hi")  # she writes meanwhile
    assert grace.send("Make mentor when she writes") == [
        "Zawadi is now a mentor; she has been told.",
        "Zawadi\nPhone: +254 733 111333\nRoles: mentor\nShop: none\n1. Stop mentoring\n"
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
    assert grace.send("0733 000 777")[0].startswith("Zawadi\nPhone: +254 733 000777\n")
    # She shares her number on Telegram: the two become one, the older account.
    telegram.share_contact("+254733000777")
    assert grace.send("Make mentor") == [
        "I can’t find that person any more (her accounts may have been joined into one). Type "
        "a phone number or part of a shop’s name to look again:\n1. Menu"
    ]
    assert grace.send("0733 000 777")[0].startswith("Wanjiku\nPhone: +254 733 000777\n")


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


def test_the_whole_menu_in_swahili_for_a_swahili_speaking_manager(
    grace: WhatsAppChat,
    amina: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    uow_factory: UnitOfWorkFactory,
) -> None:
    neema = on_whatsapp(NEEMA, name="Neema", locale_hint=None)
    neema.send("Habari")
    grace.send("People")
    grace.send(NEEMA)
    grace.send("Make community manager")
    assert messages_to(uow_factory, user_id(uow_factory, NEEMA))[-1] == (
        "Sasa wewe ni msimamizi wa jamii kwenye Soko. Tuma menyu kisha uchague “Kagua bidhaa” "
        "ili kuangalia bidhaa mpya, au “Watu” ili kuteua walezi."
    )
    menu = [line.split(". ", 1)[1] for line in neema.send("menyu")[0].splitlines()[1:]]
    assert menu[menu.index("Kagua bidhaa") + 1] == "Watu"
    assert neema.send("Watu") == [SWAHILI_ASK]
    card = (
        "Amina Wanjiru\nSimu: +254 722 000444\nMajukumu: fundi\nDuka: Amina Beads, Kibera\n"
        "Duka lake linajitegemea.\n1. Mfanye mlezi\n2. Simamisha duka\n"
        "3. Tafuta mtu mwingine\n4. Menyu"
    )
    assert neema.send("0722 000 444") == [card]
    assert neema.send("Mfanye mlezi") == [
        "Amina Wanjiru sasa ni mlezi; ameambiwa.",
        "Amina Wanjiru\nSimu: +254 722 000444\nMajukumu: mlezi, fundi\n"
        "Duka: Amina Beads, Kibera\nDuka lake linajitegemea.\n1. Asiwe mlezi tena\n"
        "2. Simamisha duka\n3. Tafuta mtu mwingine\n4. Menyu",
    ]
    assert neema.tap(f"pp:mentor:{user_id(uow_factory, AMINA)}")[0] == (
        "Amina Wanjiru tayari ni mlezi: hakuna kilichobadilika."
    )
    assert neema.send("Asiwe mlezi tena") == ["Amina Wanjiru si mlezi tena; ameambiwa.", card]
    assert neema.send("Simamisha duka") == [
        "Kwa nini unasimamisha duka Amina Beads? Andika sababu fupi ya kuwekwa kwenye "
        "kumbukumbu, au tuma ruka.\n1. Ruka"
    ]
    assert neema.send("ruka") == [
        "Simamisha duka la Amina Wanjiru, Amina Beads? Hadi lifunguliwe tena, wanunuzi "
        "hawataona wala kununua bidhaa zake, na hataweza kuweka bidhaa mpya wala kuwa mlezi "
        "wa mtu yeyote. Oda zilizolipwa tayari bado atazituma. Ataambiwa.\n1. Ndiyo\n2. Hapana"
    ]
    suspended = (
        "Amina Wanjiru\nSimu: +254 722 000444\nMajukumu: fundi\nDuka: Amina Beads, Kibera\n"
        "Duka lake limesimamishwa.\n1. Fungua duka tena\n2. Tafuta mtu mwingine\n3. Menyu"
    )
    assert neema.send("Hapana") == ["Hakuna kilichobadilika.", card]
    neema.send("Simamisha duka")
    neema.send("Vipande vya plastiki")
    assert neema.send("Ndiyo") == ["Duka Amina Beads limesimamishwa; ameambiwa.", suspended]
    assert neema.send("Fungua duka tena") == [
        "Duka Amina Beads limefunguliwa tena; ameambiwa.",
        card,
    ]
    assert neema.send("Tafuta mtu mwingine") == [SWAHILI_ASK]
    assert neema.send("vyungu") == [
        "Hakuna duka lenye “vyungu” kwenye jina lake. Andika namba ya simu au sehemu nyingine "
        "ya jina:\n1. Menyu"
    ]
    assert neema.send("0722 00") == [
        "Sitambui 0722 00 kama namba ya simu. Iandike kama 0712 345 678 au +254 712 345 678, "
        "au andika sehemu ya jina la duka:\n1. Menyu"
    ]
    assert neema.send("0733 111 222") == [
        "Bado hakuna mtu kwenye Soko anayejulikana kwa namba +254 733 111222. Unaweza kumpa "
        "jukumu sasa: atalipata atakapoandika kwa mara ya kwanza kutoka namba hiyo.\n"
        "1. Mfanye mlezi akiandika\n2. Tafuta mtu mwingine\n3. Menyu"
    ]
    assert neema.send("Mfanye mlezi akiandika") == [
        "Sawa: atakayeandika kwanza kutoka +254 733 111222 atakuwa mlezi.",
        SWAHILI_ASK,
    ]
    assert neema.send("Menyu")[0].startswith("Ungependa kufanya nini?")


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
        f"M-Pesa: {format_phone(mpesa_of(uow_factory, 'Shanga 10'))}\n"
        "Her shop is mentored by Mama Shiro.\n" + CARD_ACTIONS
    ]


def mpesa_of(uow_factory: UnitOfWorkFactory, shop_name: str) -> str:
    with uow_factory(read_only=True) as uow:
        phone = uow.session.scalars(
            select(Artisan.mpesa_phone).where(Artisan.shop_name == shop_name)
        ).one()
        assert phone is not None
        return phone
