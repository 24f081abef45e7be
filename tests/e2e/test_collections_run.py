"""Curated collections from an empty database (issue 24), on SQLite and PostgreSQL: `soko run`
with only the operator's settings, the fake Telegram and Twilio, and people doing only what
people do. The owner appoints two community managers in the chat's People menu: Wanjiku, in
English on WhatsApp, and Zawadi, in Swahili on Telegram. Wanjiku makes "The Kenya Collection"
and adds a piece from its review card; Zawadi adds two by searching, moves one (typing the
place in Arabic-Indic digits after a superscript), removes one, publishes and features it and
taps an old "Publish". A buyer's first menu shows it, her shop window opens with it; a piece
sells out (still there, marked, on the chat and on its page), one is archived (gone);
Wanjiku unpublishes it, and an old button to it gets a kind word. The people audit holds
every change, with who made it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from conversations.i18n import Translator
from tests.conftest import new_postgres_database
from tests.e2e.chat_people import Person, TelegramPerson, WhatsAppPerson
from tests.e2e.running_shop import running_shop
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import soko
from tests.e2e.test_zero_to_sale import has, list_a_necklace, open_shop_on_telegram

pytestmark = pytest.mark.slow

EN, SW = Translator("en"), Translator("sw")
OWNER = "+254711000001"  # Grace, on WhatsApp
WANJIKU = "+254733000111"  # a manager in English, on WhatsApp
ZAWADI = "+254744000222"  # a manager in Swahili, on Telegram
ACHIENG = "+254755000333"  # a buyer in Swahili, on WhatsApp
AMINA_PHONE = "+254722000002"
FIRST, SECOND, THIRD = "Mkufu wa shaba", "Mkufu mrefu wa shaba", "Mkufu wa shaba na kioo"
STORY = "Statement brass from Kibera's workshops."
STORY_SW = "Shaba ya kupendeza kutoka karakana za Kibera."


@contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file not there yet, or a new PostgreSQL database."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'soko.db'}"
        return
    with new_postgres_database("soko_e2e_collections") as url:
        yield url


def tap_starting(person: TelegramPerson, prefix: str) -> list[str]:
    """Tap the latest button whose label starts with `prefix` (a piece's label has its price)."""
    labels = [b["text"] for b in person.buttons() if "callback_data" in b]
    label = next((text for text in reversed(labels) if text.startswith(prefix)), None)
    assert label is not None, f"no button starting {prefix!r} for {person.name}"
    return person.tap(label)


def appoint(owner: Person, phone: str, name: str) -> None:
    """The owner makes the person with this number a community manager, in People."""
    owner.say("menu")
    owner.choose(EN._("People"))
    card = owner.say(phone.replace("+254", "0"))
    assert has(card, name), card
    made = owner.choose(EN._("Make community manager"))
    assert has(made, "is now a community manager"), made


def collection_actions(database: ShopDatabase) -> list[tuple[str, str]]:
    rows = database.query(
        "SELECT a.action, u.display_name FROM people_audit a "
        "JOIN users u ON u.id = a.actor_user_id "
        "WHERE a.action LIKE 'collection_%' ORDER BY a.id"
    )
    return [(str(action), str(name)) for action, name in rows]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_managers_curate_a_collection_and_buyers_browse_it_first(
    backend: str, tmp_path: Path
) -> None:
    with database_url(backend, tmp_path) as url:
        with running_shop(tmp_path, DATABASE_URL=url) as shop:
            grace = shop.on_whatsapp("Grace Mutua", OWNER)
            wanjiku = shop.on_whatsapp("Wanjiku Kamau", WANJIKU)
            achieng = shop.on_whatsapp("Achieng Odhiambo", ACHIENG)
            zawadi = shop.on_telegram("Zawadi Njeri", 7101, "sw")
            amina = shop.on_telegram("Amina Otieno", 7102, "sw")
            lena = shop.on_telegram("Lena Fischer", 7103, "en")
            _walk(shop.env.url, grace, wanjiku, zawadi, amina, lena, achieng, shop.database)
        assert "Traceback" not in shop.run.logged()
        history = soko(shop.env, "admin", "roles", "list", "--history")
        assert history.returncode == 0, history.stderr
        lines = history.stdout.splitlines()
        published = [line for line in lines if "collection_publish" in line]
        assert len(published) == 1, history.stdout
        assert "Zawadi Njeri" in published[0]
        assert published[0].endswith("collection the-kenya-collection")


def _walk(
    url: str,
    grace: WhatsAppPerson,
    wanjiku: WhatsAppPerson,
    zawadi: TelegramPerson,
    amina: TelegramPerson,
    lena: TelegramPerson,
    achieng: WhatsAppPerson,
    database: ShopDatabase,
) -> None:
    # Amina opens her shop and sends three necklaces for review.
    amina.say("/start")
    amina.tap("Kiswahili")
    amina.tap(SW._("Sell your jewelry"))
    open_shop_on_telegram(amina, "Shanga za Amina", AMINA_PHONE)
    for seed, (title, price) in enumerate(((FIRST, 1500), (SECOND, 1800), (THIRD, 2000))):
        submitted = list_a_necklace(amina, title, str(price), seed=10 * seed + 1)
        assert has(submitted, "Asante!"), submitted

    # The owner appoints Wanjiku (WhatsApp, English) and Zawadi (Telegram, Swahili).
    assert grace.say("Hi")[-1].startswith("You are now one of this shop's")
    wanjiku.say("Hi")
    wanjiku.say("1")  # English
    zawadi.say("/start")
    zawadi.tap("Kiswahili")
    zawadi.say("namba yangu")
    zawadi.share_own_contact(ZAWADI.removeprefix("+"))
    grace.say("1")
    appoint(grace, WANJIKU, "Wanjiku Kamau")
    appoint(grace, ZAWADI, "Zawadi Njeri")
    assert wanjiku.told("community manager")

    # Wanjiku makes the collection, typing the words of the choices (as people do).
    menu = wanjiku.say("menu")[-1]
    assert "5. Collections" in menu, menu
    assert wanjiku.say("collections") == [
        "There are no collections yet. Make the first one:\n\n1. New collection\n2. Menu"
    ]
    wanjiku.say("new collection")
    wanjiku.say("The Kenya Collection")
    wanjiku.say("Mkusanyiko wa Kenya")
    wanjiku.say(STORY)
    made = wanjiku.say(STORY_SW)
    assert made[0] == (
        "Collection made: The Kenya Collection. Only community managers see it until you "
        "publish it."
    )
    assert "Not published: only community managers see it." in made[1]

    # From the review card: the first necklace goes in, then she approves all three.
    wanjiku.say("menu")
    card = wanjiku.choose("Review listings")[-1]
    assert f"“{FIRST}” from Shanga za Amina" in card, card
    assert card.endswith("3. Skip\n4. Add to a collection"), card
    into = wanjiku.say("Add to a collection")
    assert into == [
        f"Add “{FIRST}” to which collection?\n\n1. The Kenya Collection (not published)\n"
        "2. New collection\n3. Back to the review"
    ]
    assert wanjiku.say("1")[0] == f"Added “{FIRST}” to The Kenya Collection."
    back = wanjiku.choose("Back to the review")
    assert has(back, f"“{FIRST}” from Shanga za Amina"), back
    for title in (FIRST, SECOND, THIRD):
        assert has(wanjiku.say("Approve"), f"Approved: {title}.")

    # Zawadi, in Swahili on Telegram: adds two by searching, moves, removes, publishes.
    zawadi.say("menyu")
    zawadi.tap(SW._("Collections"))
    opened = zawadi.tap("Mkusanyiko wa Kenya (haujaonyeshwa)")
    assert has(opened, f"#1 {FIRST} (kuu)"), opened
    zawadi.tap(SW._("Add pieces"))
    found = zawadi.say("shaba")
    assert has(found, "Bidhaa za “shaba”. Chagua moja uiweke kwenye mkusanyiko"), found
    assert any(b["text"] == f"{FIRST} ✓" for b in zawadi.buttons())
    assert has(zawadi.tap(SECOND), f"Umeweka bidhaa “{SECOND}” kwenye mkusanyiko")
    assert has(zawadi.tap(THIRD), f"Umeweka bidhaa “{THIRD}” kwenye mkusanyiko")
    listed = zawadi.tap(SW._("Done"))
    assert has(listed, f"#1 {FIRST} (kuu)\n#2 {SECOND}\n#3 {THIRD}\n"), listed

    zawadi.tap(SW._("Move a piece"))
    assert zawadi.tap(THIRD) == [
        f"Bidhaa “{THIRD}” iwe nafasi ya ngapi? Tuma namba kuanzia 1 hadi 3."
    ]
    assert zawadi.say("²") == [
        "Tafadhali tuma namba kuanzia 1 hadi 3, kwa mfano 1 kwa nafasi ya kwanza."
    ]
    moved = zawadi.say("١")  # Arabic-Indic one
    assert moved[0] == f"Umehamisha bidhaa “{THIRD}” hadi nafasi ya 1."
    zawadi.tap(SW._("Remove a piece"))
    removed = zawadi.tap(SECOND)
    assert removed[0] == f"Umetoa bidhaa “{SECOND}” kwenye mkusanyiko “The Kenya Collection”."
    assert has(removed, f"#1 {THIRD} (kuu)\n#2 {FIRST}\n"), removed  # the first, until chosen
    zawadi.tap(SW._("Choose the cover"))
    covered = zawadi.tap(FIRST)
    assert covered[0] == f"Bidhaa “{FIRST}” sasa ni kuu kwenye mkusanyiko “The Kenya Collection”."
    assert has(covered, f"#1 {THIRD}\n#2 {FIRST} (kuu)\n"), covered
    published = zawadi.tap(SW._("Publish"))
    assert published[0] == (
        "Mkusanyiko “The Kenya Collection” unaonyeshwa: wanunuzi wanauona sasa."
    )
    assert has(published, f"{url}/c/the-kenya-collection"), published
    featured = zawadi.tap(SW._("Feature on the first menu"))
    assert featured[0] == (
        "Mkusanyiko “The Kenya Collection” uko kwenye menyu ya kwanza ya wanunuzi."
    )
    # "Publish" on an older card: done on the collection as it is now.
    assert zawadi.tap(SW._("Publish"))[0] == "Hakuna kilichobadilika."

    # A buyer in English on Telegram: the featured collection on her first menu, and first in
    # the shop window, its pieces in the curated order.
    lena.say("/start")
    welcomed = lena.tap("English")
    assert has(welcomed, "[✨ The Kenya Collection]"), welcomed
    shown = lena.tap("✨ The Kenya Collection")
    assert shown[0].startswith(f"The Kenya Collection\n{STORY}\n[{THIRD} — "), shown
    assert f"]\n[{FIRST} — " in shown[0], shown
    lena.say("menu")
    window = lena.tap(EN._("Shop jewelry"))
    assert window[0].startswith("What would you like to see?\n[The Kenya Collection]\n"), window

    # A buyer in Swahili on WhatsApp: the title and story in hers.
    achieng.say("Habari")
    first_menu = achieng.say("2")[-1]  # Kiswahili
    assert "\n6. ✨ Mkusanyiko wa Kenya\n" in first_menu, first_menu
    in_swahili = achieng.say("6")[0]
    assert in_swahili.startswith(f"Mkusanyiko wa Kenya\n{STORY_SW}\nFungua ukurasa: "), in_swahili
    assert f"\n\n1. {THIRD} — " in in_swahili, in_swahili

    # The first necklace sells out: it stays, marked, in the chat and on the page.
    amina.say("menyu")
    amina.tap(SW._("My pieces"))
    tap_starting(amina, f"{FIRST} — ")
    amina.tap(SW._("Change stock"))
    assert has(amina.say("0"), "Imeisha")
    again = lena.tap("The Kenya Collection")  # on the earlier shop window
    assert has(again, f"[{FIRST} — Sold out]"), again
    page = httpx.get(f"{url}/c/the-kenya-collection", timeout=10).text
    assert FIRST in page
    assert "Sold out" in page

    # The third is archived: it leaves the collection.
    amina.say("menyu")
    amina.tap(SW._("My pieces"))
    tap_starting(amina, f"{THIRD} — ")
    amina.tap(SW._("Archive"))
    amina.tap(SW._("Yes"))
    after = lena.tap("The Kenya Collection")
    assert after[0].startswith(f"The Kenya Collection\n{STORY}\n[{FIRST} — Sold out]\n"), after
    assert THIRD not in after[0]

    # Wanjiku unpublishes it: buyers no longer see it, an old button gets a kind word.
    wanjiku.say("menu")
    wanjiku.say("Collections")
    wanjiku.say("The Kenya Collection (featured)")
    unpublished = wanjiku.say("Unpublish")
    assert unpublished[0] == (
        "The Kenya Collection is not published any more: buyers no longer see it."
    )
    gone = lena.tap("✨ The Kenya Collection")  # the old first menu's button
    assert gone[0] == "That collection is not on show any more. Here is what there is now:"
    assert "The Kenya Collection" not in lena.say("menu")[-1]
    assert "Mkusanyiko wa Kenya" not in achieng.say("menyu")[-1]
    # The number the featured collection had on her first menu: one short line, as for any
    # number her menu no longer has.
    assert achieng.say("6") == ["Jibu kwa namba, au andika *menyu*."]
    assert httpx.get(f"{url}/c/the-kenya-collection", timeout=10).status_code == 404

    assert collection_actions(database) == [
        ("collection_create", "Wanjiku Kamau"),
        ("collection_add", "Wanjiku Kamau"),
        ("collection_add", "Zawadi Njeri"),
        ("collection_add", "Zawadi Njeri"),
        ("collection_move", "Zawadi Njeri"),
        ("collection_remove", "Zawadi Njeri"),
        ("collection_cover", "Zawadi Njeri"),
        ("collection_publish", "Zawadi Njeri"),
        ("collection_feature", "Zawadi Njeri"),
        ("collection_unpublish", "Wanjiku Kamau"),
    ]
