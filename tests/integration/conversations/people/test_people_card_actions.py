"""What the People menu's card does, as transcripts on both databases: make and unmake
mentors and community managers, suspend (with a reason or without) and reinstate a shop,
promise a role to a number; each person is told in her language and each change is in the
audit that `soko admin roles list --history` prints. Nothing is set up behind the bot's back
but the owner's number."""

from __future__ import annotations

from collections.abc import Callable

from store.models import Role
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.artisans_support import messages_to
from tests.integration.conversations.people.conftest import WhatsAppChat
from tests.integration.conversations.people.menu_support import (
    AMINA,
    AMINA_CARD,
    AMINA_SUSPENDED_CARD,
    ASK,
    CARD_ACTIONS,
    NEEMA,
    Audit,
    roles_of,
    user_id,
)


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
        "Why suspend Amina Beads? Type a short reason: she will read it, and it is kept in the "
        "record.\n1. Cancel"
    ]
    assert grace.send("Plastic beads sold as glass") == [
        "Suspend Amina Wanjiru’s shop Amina Beads? Until it is reinstated, buyers will not see "
        "or buy her pieces, they leave buyers’ carts, orders not yet paid for them are cancelled "
        "(the buyers told), and she will not be able to list new ones or mentor anyone. Orders "
        "already paid are still hers to send. She will be told why, and how to appeal."
        "\n1. Yes\n2. No"
    ]
    assert grace.send("Yes") == [
        "Amina Beads is suspended; she has been told.",
        AMINA_SUSPENDED_CARD,
    ]
    assert messages_to(uow_factory, seller)[-1] == (
        "Duka lako Amina Beads limesimamishwa na wasimamizi wa jamii wa Soko, kwa sababu hii: "
        "“Plastic beads sold as glass”. Hadi lifunguliwe tena, wanunuzi hawawezi kuona wala "
        "kununua bidhaa zako, na huwezi kuweka bidhaa mpya; oda ambazo hazijalipwa "
        "zimeghairiwa. Oda ambazo zimeshalipwa bado lazima uzitume: tuma menyu, kisha chagua "
        "“Oda za wateja”.\nKama unaona ni makosa, jibu ujumbe huu ukieleza kwa nini duka lako "
        "lifunguliwe tena, au chagua “Kata rufaa”: wasimamizi wa jamii watausoma na kukujibu "
        "hapa.\n1. Kata rufaa"
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
        "Grace (+254711000001) reinstate amina-beads (independent) (Plastic beads sold as glass)",
    ]


def test_no_suspension_without_a_reason_nor_unconfirmed(
    grace: WhatsAppChat, amina: WhatsAppChat, uow_factory: UnitOfWorkFactory, audit: Audit
) -> None:
    grace.send("People")
    grace.send("0722000444")
    grace.send("Suspend shop")
    asked = (
        "Why suspend Amina Beads? Type a short reason: she will read it, and it is kept in the "
        "record.\n1. Cancel"
    )
    needed = (
        "A shop is suspended only with a reason, since she will be told why. Please type a few "
        "words, for example: photos of pieces she did not make."
    )
    assert grace.send("skip") == [needed, asked]
    assert grace.send("  ") == [asked]
    assert grace.send("Sold bought plastic")[0].startswith("Suspend Amina Wanjiru’s shop")
    assert grace.send("maybe") == ["Please pick one of the options.\n1. Yes\n2. No"]
    assert grace.send("No") == ["Nothing changed.", AMINA_CARD]
    grace.send("Suspend shop")
    assert grace.send("1") == ["Nothing changed.", AMINA_CARD]  # Cancel
    grace.send("Suspend shop")
    grace.send("Sold bought plastic")
    assert grace.send("1") == ["Amina Beads is suspended; she has been told.", AMINA_SUSPENDED_CARD]
    assert audit() == [
        "Grace (+254711000001) suspend amina-beads (suspended) (Sold bought plastic)"
    ]


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
        "Neema\nPhone: 0733 000555\nRoles: none (she buys only)\nShop: none\n"
        "1. Make mentor\n2. Make community manager\n3. Find someone else\n4. Menu"
    ]
    assert grace.send("Make community manager") == [
        "Neema is now a community manager; she has been told.",
        "Neema\nPhone: 0733 000555\nRoles: community manager\nShop: none\n"
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


def test_a_role_promised_to_an_unknown_number_is_hers_when_she_writes(
    grace: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    uow_factory: UnitOfWorkFactory,
    audit: Audit,
) -> None:
    grace.send("People")
    assert grace.send("0733 111 222") == [
        "Nobody on Soko is known by 0733 111222 yet. You can give her a role now: she gets "
        "it when she first writes from that number.\n1. Make mentor when she writes\n"
        "2. Make community manager when she writes\n3. Find someone else\n4. Menu"
    ]
    assert grace.send("Make mentor when she writes") == [
        "Done: whoever first writes from 0733 111222 becomes a mentor.",
        ASK,
    ]
    assert grace.send("0733111222")[0].startswith("Nobody on Soko is known by 0733 111222")
    assert grace.send("1") == [
        "That was already promised to 0733 111222: nothing changed.",
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


def test_a_recruits_card_says_whether_her_mentor_mentors_now(
    grace: WhatsAppChat,
    amina: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    uow_factory: UnitOfWorkFactory,
) -> None:
    grace.send("People")
    grace.send("Amina Beads")
    grace.send("Make mentor")
    invitation = messages_to(uow_factory, user_id(uow_factory, AMINA))[-1]
    code = invitation.split("Msimbo wako wa mwaliko: ")[1].split()[0]
    njeri = on_whatsapp("+254722000666", name="Njeri", locale_hint=None)
    for answer in (f"JIUNGE {code}", "2", "1", "Njeri Shanga", "Kawangware", "1", "ruka"):
        njeri.send(answer)
    assert njeri.send("1")[1] == "Mlezi wako Amina Wanjiru atakusaidia. Tumemwambia umejiunga."
    recruit = (
        "Njeri\nPhone: 0722 000666\nRoles: artisan\nShop: Njeri Shanga, Kawangware\n{}\n"
        "Workshop: never visited.\n" + CARD_ACTIONS
    )
    mentored = recruit.format("Her shop is mentored by Amina Wanjiru.")
    paused = recruit.format(
        "Her mentor Amina Wanjiru is not mentoring now: nobody earns a commission on her new "
        "sales until she is again."
    )
    assert grace.send("Njeri Shanga") == [mentored]
    grace.send("Amina Beads")
    grace.send("Stop mentoring")
    assert grace.send("Njeri Shanga") == [paused]
    grace.send("Amina Beads")
    grace.send("Make mentor")
    grace.send("Suspend shop")
    grace.send("Fake photos")
    grace.send("Yes")
    assert grace.send("Njeri Shanga") == [paused]
    grace.send("Amina Beads")
    grace.send("Reinstate shop")
    assert grace.send("Njeri Shanga") == [mentored]
