"""An artisan's whole first listing in the web chat emulator, in Swahili, in a real browser:
the menu, one photo, one line with the piece's name and price, the card, sent for review.
Each step is saved as a screenshot (`test-artifacts/screenshots/`)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from store.demo.pictures import draw_piece
from store.models import Category
from tests.browser.browser_support import DemoServer, Shot
from tests.browser.test_emulator import Chat


def test_her_first_listing_in_swahili_step_by_step(
    page: Page, demo_server: DemoServer, shot: Shot
) -> None:
    photo = demo_server.directory / "mkufu.jpg"
    photo.write_bytes(draw_piece(Category.NECKLACE, seed=2024))
    chat = Chat(page)

    chat.open(demo_server.url("/emulator?as=achieng"), "achieng")
    chat.type("menyu", answer="Ungependa kufanya nini?")
    shot(page, "1 her menu")
    chat.tap("Weka bidhaa mpya", answer="Tuma picha 1 hadi 5")
    shot(page, "2 asked for photos")
    chat.upload(str(photo), answer="Bidhaa hii inaitwaje, na bei yake")
    shot(page, "3 photo received, name and price asked")
    # One line: the name says a necklace of brass, and the price; nothing else is asked.
    chat.type("Mkufu wa shaba, Sh. 1,500/=", answer="Unapokea: Ksh")
    card = chat.bot.filter(has_text="Aina: Mkufu").last
    expect(card).to_contain_text("Malighafi: shaba")
    expect(card).to_contain_text("Idadi: 1")
    expect(card.locator("img")).to_have_attribute(
        "src", re.compile(r"/media/[0-9a-f]{64}/\w+\.jpg$")
    )
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=card.locator("img").element_handle()
    )
    shot(page, "4 her card")
    chat.tap("Tuma ikaguliwe", answer="Msimamizi wa jamii ataikagua")
    shot(page, "5 sent for review")
