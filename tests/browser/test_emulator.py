"""A whole sale in the web chat emulator, in a real browser: the artisan lists a piece with a
photo upload, the community manager approves it, the buyer orders it and pays with the demo
card, and the artisan ships it from the order's notice in two taps. Screenshots of each step
are saved as artifacts."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from store.demo.pictures import draw_piece
from store.models import Category
from tests.browser.browser_support import DemoServer, Shot

TITLE = "Copper leaf earrings"


class Chat:
    """The emulator page, driven as a person would: type, tap, upload, switch person."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.log = page.locator("#log")
        self.bot = page.locator("#log .msg.bot")

    def open(self, url: str, person: str) -> None:
        self.page.goto(url)
        self._loaded(person)

    def type(self, text: str, *, answer: str | re.Pattern[str]) -> None:
        seen = self.bot.count()
        self.page.locator("#text").fill(text)
        self.page.locator("#send").click()
        self._wait_for_more(seen)
        expect(self.log).to_contain_text(answer)

    def tap(self, label: str, *, answer: str | re.Pattern[str]) -> None:
        seen = self.bot.count()
        self.page.get_by_role("button", name=label, exact=True).last.click()
        self._wait_for_more(seen)
        expect(self.log).to_contain_text(answer)

    def upload(self, path: str, *, answer: str) -> None:
        seen = self.bot.count()
        self.page.locator("#photo").set_input_files(path)
        self._wait_for_more(seen)
        expect(self.log).to_contain_text(answer)

    def switch(self, person: str, *, waiting: str | None = None) -> None:
        self.page.locator("#person").select_option(person)
        self._loaded(person)
        if waiting is not None:
            expect(self.log).to_contain_text(waiting)

    def switch_done(self, person: str) -> None:
        self._loaded(person)

    def _loaded(self, person: str) -> None:
        """The page has shown `person`'s chat so far."""
        expect(self.page.locator("body")).to_have_attribute("data-loaded", person)
        expect(self.page).to_have_url(re.compile(f"as={person}$"))

    def _wait_for_more(self, seen: int) -> None:
        self.page.wait_for_function(
            "n => document.querySelectorAll('#log .msg.bot').length > n", arg=seen
        )


def test_a_whole_sale_in_the_browser(page: Page, demo_server: DemoServer, shot: Shot) -> None:
    photo = demo_server.directory / "earrings.jpg"
    photo.write_bytes(draw_piece(Category.EARRINGS, seed=4242))
    chat = Chat(page)

    # Naliaka, an artisan, lists a piece: a photo upload, then her answers.
    chat.open(demo_server.url("/emulator?as=naliaka"), "naliaka")
    expect(page.locator("#person")).to_have_value("naliaka")
    chat.type("menu", answer="What would you like to do?")
    chat.tap("List a piece", answer="Send 1 to 5 photos")
    chat.upload(str(photo), answer="What is the piece called, and its price")
    shot(page, "artisan sent a photo")
    # Its name says the kind and the material: the card comes next; two to sell.
    chat.type(f"{TITLE} 1200", answer="You receive: Ksh1,200 for each piece sold")
    chat.tap("Change something", answer="What would you like to change?")
    chat.tap("Quantity", answer="How many of these")
    chat.type("2", answer="Quantity: 2")
    preview = chat.bot.filter(has_text="You receive: Ksh1,200").last
    expect(preview.locator("img")).to_have_attribute(
        "src", re.compile(r"/media/[0-9a-f]{64}/\w+\.jpg$")
    )
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=preview.locator("img").element_handle()
    )
    shot(page, "artisan previews her listing")
    chat.tap("Submit for review", answer="A community manager will review it")
    shot(page, "artisan submitted")

    # Grace, the community manager, was told; she approves the queue until the piece is live.
    chat.switch("grace", waiting=f'A new listing waits for review: "{TITLE}"')
    shot(page, "community manager gets the new listing with its photo")
    chat.type("menu", answer="What would you like to do?")
    chat.tap("Review listings", answer="Listings waiting for review: 3")
    for _ in range(3):
        chat.tap("Approve", answer="Approved")
    expect(chat.log).to_contain_text(f"Approved: {TITLE}. The artisan has been told.")
    shot(page, "community manager approved")

    # Lena, the buyer, finds it, orders and pays with the demo card.
    chat.switch("lena")
    chat.type("menu", answer="What would you like to do?")
    chat.tap("Search", answer="What are you looking for?")
    chat.type("copper", answer="Pieces for “copper”")
    chat.tap(f"{TITLE} — US$12.93", answer="Naliaka receives Ksh1,200")
    shot(page, "buyer sees the piece")
    chat.tap("Add to cart", answer="How many")
    chat.type("1", answer="cart")
    chat.tap("Checkout", answer="Send it to the same address as last time?")
    shot(page, "a buyer who bought before is offered the same address")
    chat.tap("Yes, same address", answer="Place order")
    chat.tap("Place order", answer=re.compile(r"Order SK-\w+ is placed"))
    placed = chat.bot.filter(has_text=re.compile(r"Order SK-\w+ is placed")).last.inner_text()
    code = re.search(r"Order (SK-\w+) is placed", placed)
    assert code is not None
    pay_link = chat.bot.locator("a.link").last
    expect(pay_link).to_have_attribute("href", f"{demo_server.base_url}/pay/demo/{code[1]}")
    pay_page = page.request.get(f"{demo_server.base_url}/pay/demo/{code[1]}")
    assert pay_page.status == 200
    # The piece and a parcel of one to her Berlin address (Europe: US$12).
    assert "Pay US$24.93 with the demo card" in pay_page.text()
    shot(page, "buyer placed the order")
    chat.tap("Pay now (demo card)", answer=f"Payment received for {code[1]}")
    shot(page, "buyer paid")

    # Naliaka finds the order waiting for her, with the piece, and ships it in two taps.
    chat.switch("naliaka", waiting=f"New order {code[1]}: 1 × {TITLE}")
    expect(chat.log).to_contain_text(f"Good news! Your {TITLE} is live!")
    notice = chat.bot.filter(has_text=f"New order {code[1]}").last
    expect(notice.locator("img")).to_have_count(1)
    notice.scroll_into_view_if_needed()
    shot(page, "artisan sees the order")
    chat.tap("Accept", answer=f"Accepted: {TITLE}. Mark it shipped when you have sent it.")
    shot(page, "artisan accepted from the notice")
    chat.tap("Mark shipped", answer="Which carrier is taking it? Pick one, or type its name:")
    chat.tap("No tracking number", answer=f"Shipped: {TITLE}. We have told the buyer. Thank you!")
    shot(page, "artisan shipped in three taps, without a tracking number")
    chat.switch("lena", waiting=f"Your order {code[1]}: {TITLE} has been shipped.")
    shot(page, "buyer told it is shipped")


def test_someone_new_and_what_they_type_is_shown_as_text(
    page: Page, demo_server: DemoServer, shot: Shot
) -> None:
    chat = Chat(page)
    chat.open(demo_server.url("/emulator"), "lena")  # the buyer, unless the address says
    page.locator("#person").select_option("__new__")
    page.locator("#new-name").fill("Zawadi")
    page.locator("#new-person button").click()
    chat.switch_done("zawadi")
    evil = '<img src=x onerror="document.body.dataset.hacked = 1">'
    chat.type(evil, answer="Welcome to Soko!")
    expect(page.locator("#log .msg.person").last).to_have_text(evil)
    page.reload()
    chat.switch_done("zawadi")
    expect(page.locator("#log .msg.person").first).to_have_text(evil)
    expect(page.locator("#person")).to_contain_text("Zawadi (buyer)")
    assert page.locator("#log img").count() == 0
    assert page.evaluate("document.body.dataset.hacked") is None
    shot(page, "someone new")


def test_a_swahili_browser_gets_the_emulator_in_swahili(
    browser: Browser, demo_server: DemoServer, shot: Shot
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sw-KE")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        chat = Chat(page)
        chat.open(demo_server.url("/emulator?as=lena"), "lena")
        expect(page.locator("html")).to_have_attribute("lang", "sw")
        expect(page.locator("header label")).to_have_text("Unazungumza kama")
        expect(page.locator("#person")).to_contain_text("Lena Fischer (mnunuzi)")
        expect(page.locator("#send")).to_have_text("Tuma")

        page.locator("#person").select_option("__new__")
        expect(page.locator("#new-person button")).to_have_text("Anza")
        page.locator("#new-name").fill("baraka")
        page.locator("#new-person button").click()
        chat.switch_done("baraka")
        expect(chat.log).to_have_text("Sema habari, au andika menyu.")
        chat.type("habari", answer="Karibu Soko!")  # someone new starts in the page's language
        shot(page, "swahili")

        page.get_by_role("link", name="English").click()
        chat.switch_done("baraka")
        expect(page.locator("header label")).to_have_text("Chatting as")
        expect(page.locator("#person")).to_contain_text("Lena Fischer (buyer)")
        expect(chat.log).to_contain_text("Karibu Soko!")  # the chat keeps her language
    finally:
        context.close()
