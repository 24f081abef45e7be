"""Transcripts: community managers record workshop visits in the chat — Grace (the owner, in
English) from the list of shops due, Neema (made a manager in the chat, in Swahili) from a
People card — and the artisan is told in her language; the card says where her workshop
stands; odd answers (tomorrow, words that are no day, digits of another script, Swahili number
words, an old list's button, yes typed for a tap) each get a kind answer."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from sqlalchemy import select

from conversations.messages import Location
from store.models import Artisan, OutboxMessage, WorkshopVisit
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan
from tests.integration.conversations.artisans_support import messages_to
from tests.integration.conversations.listing_support import photo
from tests.integration.conversations.people.conftest import WhatsAppChat
from tests.integration.conversations.people.menu_support import AMINA, NEEMA, OWNER, user_id

# The engine's clock: 1 March 2025, noon in Nairobi.
ASK_DAY = (
    "Recording a visit to Amina Beads. When did you visit? Choose Today, or type the day, for "
    "example 3 March or 3/3/2027.\n1. Today\n2. Menu"
)
CHECKS = (
    "1 of 3 · Materials\nAre the materials in the workshop the ones her pieces name, within "
    "the standards (no plastic or synthetic materials, no ready-made components)?\n"
    "1. Meets the standards\n2. Needs work"
)


def swahili_manager(grace: WhatsAppChat, on_whatsapp: Callable[..., WhatsAppChat]) -> WhatsAppChat:
    """Neema greets in Swahili; Grace makes her a community manager in the People menu."""
    neema = on_whatsapp(NEEMA, name="Neema", locale_hint=None)
    neema.send("Habari")
    grace.send("menu")
    grace.send("People")
    grace.send(NEEMA)
    assert grace.send("Make community manager")[0] == (
        "Neema is now a community manager; she has been told."
    )
    grace.send("menu")
    return neema


def test_a_follow_up_from_the_list_then_a_pass_from_the_card_in_swahili(
    grace: WhatsAppChat,
    amina: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    uow_factory: UnitOfWorkFactory,
) -> None:
    assert "6. Shops to visit" in grace.send("menu")[0]
    due = grace.send("Shops to visit")
    assert due == [
        "Shops due for a workshop visit (1), by place. Share your location to see the nearest "
        "first.\n1. Amina Beads · Kibera · never visited\n2. Menu"
    ]
    assert grace.send("1") == [ASK_DAY]
    assert grace.send("kesho") == [
        "2 March 2025 has not come yet: please give the day you went there (today or "
        "earlier), or choose Today.",
        ASK_DAY,
    ]
    assert grace.send("the blue house") == [
        "Sorry, I couldn't read that day. Type it like 3 March, or 3/3/2027, or choose Today.",
        ASK_DAY,
    ]
    assert grace.send("٢٧/٢/٢٠٢٥") == [CHECKS]  # Arabic-Indic digits: 27 February 2025
    assert grace.send("ndiyo")[0].startswith("2 of 3 · Tools\n")  # yes typed: meets them
    assert grace.send("1")[0].startswith("3 of 3 · Working conditions\n")
    assert grace.send("Needs work") == [
        "Any photos of the workshop? Send them now, or choose Done.\n1. Done"
    ]
    assert grace.send(photos=(photo(1),)) == ["Photo kept (1). Send more, or choose Done.\n1. Done"]
    assert grace.send(photos=(photo(2),)) == ["Photo kept (2). Send more, or choose Done.\n1. Done"]
    assert grace.send("done") == [
        "Did Amina Beads meet the standards?\n1. Passed\n2. Follow-up needed"
    ]
    assert grace.send("Follow-up needed") == [
        "What should Amina Beads fix before the next visit? Write it kindly, in a few words: "
        "the artisan will read it.\n1. Menu"
    ]
    assert grace.send("hapana")[0].startswith("Sorry, “hapana” is not one of the answers")
    assert grace.send("Please keep the children away from the hot wire") == [
        "Recorded: Amina Beads needs a follow-up visit. The artisan has been told what to "
        "fix.\n1. Shops to visit\n2. Menu"
    ]
    amina_id = user_id(uow_factory, AMINA)
    assert messages_to(uow_factory, amina_id)[-1] == (
        "Asante kwa kuikaribisha Soko kwenye karakana yako tarehe 27 Februari 2025. Kabla duka "
        "lako halijaonyesha kwamba limetembelewa, kuna jambo la kurekebisha: Please keep the "
        "children away from the hot wire\nMsimamizi wa jamii atakuja tena. Kama kuna jambo "
        "lisiloeleweka, tuulize hapa."
    )
    with uow_factory() as uow:
        [visit] = uow.session.scalars(select(WorkshopVisit)).all()
        assert visit.checks == {"materials": "ok", "tools": "ok", "working_conditions": "fix"}
        assert len(visit.photo_keys) == 2
    # Still due, as a follow-up.
    assert grace.send("Shops to visit")[0].endswith(
        "1. Amina Beads · Kibera · follow-up from February 2025\n2. Menu"
    )

    # Neema, in Swahili, from Amina's People card, on the day, with Swahili number words.
    neema = swahili_manager(grace, on_whatsapp)
    neema.send("menyu")
    assert neema.send("Maduka ya kutembelea")[0].endswith(
        "1. Amina Beads · Kibera · ilitembelewa Februari 2025, inahitaji ziara nyingine\n2. Menyu"
    )
    neema.send("menyu")
    neema.send("Watu")
    card = neema.send("Amina Beads")[0]
    # What to fix, as the last visit wrote it: what she goes to see.
    assert (
        "\nKarakana ilitembelewa Februari 2025: inahitaji ziara nyingine: “Please keep the "
        "children away from the hot wire”\n"
    ) in card
    assert neema.send("Rekodi ziara")[0].startswith("Unarekodi ziara ya Amina Beads.")
    assert neema.send("tarehe mosi mwezi wa tatu")[0].startswith("1 kati ya 3 · Malighafi\n")
    for answer in ("Inafuata viwango", "ndiyo", "1"):
        neema.send(answer)
    assert neema.send("Nimemaliza") == [
        "Je, duka Amina Beads linafuata viwango?\n1. Imepita\n2. Inahitaji ziara nyingine"
    ]
    assert neema.send("Imepita") == [
        "Imerekodiwa: duka Amina Beads limepita. Sasa wanunuzi wanaona “Karakana imetembelewa "
        "na Soko, Machi 2025” hadi Machi 2026. Fundi ameambiwa.\n1. Maduka ya kutembelea\n"
        "2. Menyu"
    ]
    assert messages_to(uow_factory, amina_id)[-1] == (
        "Hongera! Soko ilitembelea karakana yako tarehe 1 Machi 2025, na inafuata viwango "
        "vyetu. Sasa wanunuzi wanaona “Karakana imetembelewa na Soko, Machi 2025” kwenye duka "
        "lako na kwenye kila kipande."
    )
    assert grace.send("Shops to visit") == [
        "No shop is due for a visit: every open shop has a visit that still counts.\n1. Menu"
    ]
    grace.send("menu")
    grace.send("People")
    assert "\nWorkshop visited March 2025: verified until March 2026.\n" in grace.send("Amina")[0]


def test_an_old_visit_is_recorded_but_does_not_verify_and_nearest_comes_first(
    grace: WhatsAppChat,
    amina: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:  # Amina shared her pin in Kibera when she opened her shop
        shop = uow.session.scalars(select(Artisan)).one()
        shop.pin_latitude, shop.pin_longitude = -1.3133, 36.7876
        uow.commit()
    grace.send("Shops to visit")
    here = dataclasses.replace(grace.inbound(), location=Location(-1.2864, 36.8172))
    assert grace.deliver(here) == [
        "Shops due for a workshop visit (1), nearest first:\n"
        "1. Amina Beads · 4.4 km · never visited\n2. Menu"
    ]
    grace.send("1")
    grace.send("3 March 2023")
    for answer in ("yes", "yes", "yes", "done", "Follow-up needed"):
        grace.send(answer)
    assert grace.send("passed") == [  # she changed her mind where the note was asked
        "Recorded: Amina Beads passed on 3 March 2023, but that visit counted only until 3 "
        "March 2024, so the shop is still due for a visit.\n1. Shops to visit\n2. Menu"
    ]
    assert grace.send("Shops to visit") == [  # still sorted from where she stands
        "Shops due for a workshop visit (1), nearest first:\n"
        "1. Amina Beads · 4.4 km · visited March 2023, lapsed\n2. Menu"
    ]
    grace.send("menu")
    # The old list's button, tapped from the menu: recording a visit to that shop again.
    with uow_factory() as uow:
        artisan_id = uow.session.scalars(select(Artisan.id)).one()
    assert grace.tap(f"vv:{artisan_id}") == [ASK_DAY]
    # A buyer tapping it is told it is not for her.
    buyer = on_whatsapp("+254799000111", name="Amy")
    buyer.send("Hi")
    buyer.send("1")
    assert "Recording a visit" not in " ".join(buyer.tap(f"vv:{artisan_id}"))


def test_no_visit_to_her_own_shop_nor_to_an_owners_unless_she_is_one(
    grace: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    uow_factory: UnitOfWorkFactory,
) -> None:
    for answer in ("menu", "Sell your jewelry", "Grace Gems", "Karen", "1"):
        grace.send(answer)
    assert grace.send("1")[0] == "Congratulations! Your shop Grace Gems is open."
    with uow_factory() as uow:
        graces_shop = uow.session.scalars(select(Artisan.id)).one()
    grace.send("menu")
    assert grace.tap(f"vv:{graces_shop}")[0] == (
        "Another community manager must record a visit to your own shop."
    )
    neema = swahili_manager(grace, on_whatsapp)
    neema.send("menyu")
    owner = user_id(uow_factory, "+254711000001")
    assert neema.tap(f"vv:{graces_shop}") == ["Samahani, huwezi kufanya hivyo."]
    neema.send("Watu")
    assert neema.tap(f"pp:visit:{owner}") == ["Samahani, huwezi kufanya hivyo."]
    with uow_factory() as uow:
        assert uow.session.scalars(select(WorkshopVisit)).all() == []


def _offered(uow_factory: UnitOfWorkFactory, user: int) -> dict[str, str]:
    """The buttons of the last message a person was sent: label → payload."""
    with uow_factory() as uow:
        row = uow.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.user_id == user)
            .order_by(OutboxMessage.id.desc())
        ).first()
        assert row is not None
        return {choice["label"]: choice["payload"] for choice in row.payload["choices"]}


def test_a_button_of_an_earlier_question_answers_no_later_one(
    grace: WhatsAppChat, amina: WhatsAppChat, uow_factory: UnitOfWorkFactory
) -> None:
    """Scrolling up on her phone, she taps “Meets the standards” under the materials
    question while the tools question is open: the tools are not marked as meeting them."""
    grace.send("Shops to visit")
    grace.send("1")
    assert grace.send("Today") == [CHECKS]
    materials_ok = _offered(uow_factory, user_id(uow_factory, OWNER))["Meets the standards"]
    assert grace.tap(materials_ok)[0].startswith("2 of 3 · Tools\n")
    answered = grace.tap(materials_ok)
    assert answered[0] == "That button is from an earlier message."
    assert answered[1].startswith("2 of 3 · Tools\n")


def test_photos_sent_before_she_is_asked_for_them_go_with_the_visit(
    grace: WhatsAppChat, amina: WhatsAppChat, uow_factory: UnitOfWorkFactory
) -> None:
    """She sends a photo while the day, then a checklist question, is open: each is kept with
    the visit, and the question is asked again (no “couldn't read that day”)."""
    grace.send("Shops to visit")
    grace.send("1")
    assert grace.send(photos=(photo(1),)) == ["Photo kept with this visit (1).", ASK_DAY]
    assert grace.send("Today") == [CHECKS]
    assert grace.send(photos=(photo(2),)) == ["Photo kept with this visit (2).", CHECKS]
    for answer in ("yes", "yes", "yes"):
        grace.send(answer)
    assert grace.send(photos=(photo(3),)) == ["Photo kept (3). Send more, or choose Done.\n1. Done"]
    grace.send("done")
    grace.send("Passed")
    with uow_factory() as uow:
        [visit] = uow.session.scalars(select(WorkshopVisit)).all()
        assert len(set(visit.photo_keys)) == 3


def test_a_photo_with_a_caption_answers_the_open_question_too(
    grace: WhatsAppChat, amina: WhatsAppChat, uow_factory: UnitOfWorkFactory
) -> None:
    """Asked what to fix, she sends a photo of it with the words as its caption: the photo
    goes with the visit and the caption is the note."""
    grace.send("Shops to visit")
    grace.send("1")
    for answer in ("Today", "yes", "yes", "no", "done", "Follow-up needed"):
        grace.send(answer)
    assert grace.send("Cover the hot wire", photos=(photo(1),)) == [
        "Photo kept with this visit (1).",
        "Recorded: Amina Beads needs a follow-up visit. The artisan has been told what to "
        "fix.\n1. Shops to visit\n2. Menu",
    ]
    with uow_factory() as uow:
        [visit] = uow.session.scalars(select(WorkshopVisit)).all()
        assert (visit.note, len(visit.photo_keys)) == ("Cover the hot wire", 1)


def test_more_than_ten_shops_due_are_reached_with_more(
    grace: WhatsAppChat, uow_factory: UnitOfWorkFactory
) -> None:
    """At the start every shop is due: past the first ten, “More” shows the next ones (the
    later places of the alphabet are not out of her reach)."""
    with uow_factory() as uow:
        for n in range(1, 13):
            make_artisan(uow.session, f"Zawadi {n:02d}")
        uow.commit()
    first = grace.send("Shops to visit")[0]
    assert first.startswith("Shops due for a workshop visit (12), by place.")
    assert "10. Zawadi 10's beads" in first
    assert first.endswith("11. More\n12. Menu")
    assert "Zawadi 11" not in first
    more = grace.send("More")[0]
    assert "1. Zawadi 11's beads · Kibera, Nairobi · never visited" in more
    assert "2. Zawadi 12's beads" in more
    assert more.endswith("3. Menu")
    assert grace.send("2")[0].startswith("Recording a visit to Zawadi 12's beads.")
