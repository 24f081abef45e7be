"""A piece's public page in a real browser, JavaScript off as on a cheap phone's data saver:
its photo loads (the size that fits the screen), its Open Graph tags name the large photo, and
its order buttons open the chats at the piece. Screenshots are saved as artifacts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.commands.demo import FOR_BROWSER, build_demo, demo_settings, listen
from bot.web import create_app
from store.models import Product, ProductStatus
from tests.browser.browser_support import Shot, served

BOT = "SokoDemoBot"
WHATSAPP = "+14155238886"


@dataclass(frozen=True)
class Piece:
    base_url: str
    id: int
    slug: str
    title: str


@pytest.fixture(scope="module")
def piece(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Piece]:
    """The demo shop served with chat links configured; its first listed piece."""
    directory = tmp_path_factory.mktemp("pages") / "demo"
    sock = listen("127.0.0.1", 0)
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = demo_settings(directory, public_base_url=base_url).model_copy(
        update={"telegram_bot_username": BOT, "twilio_whatsapp_from": f"whatsapp:{WHATSAPP}"}
    )
    container, _ = build_demo(
        directory, now=datetime.now(UTC), settings=settings, channels=FOR_BROWSER
    )
    with container.uow_factory(read_only=True) as uow:
        product = uow.session.scalars(
            select(Product)
            .where(Product.status == ProductStatus.ACTIVE, Product.stock_on_hand > 0)
            .order_by(Product.id)
            .limit(1)
        ).one()
        found = Piece(base_url, product.id, str(product.slug), product.title)
    try:
        with served(create_app(container), sock):
            yield found
    finally:
        container.close()


def test_a_shared_piece_shows_its_photo_tags_and_order_buttons(
    piece: Piece, no_js_page: Page, shot: Shot
) -> None:
    page = no_js_page
    page.goto(f"{piece.base_url}/p/{piece.slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text(piece.title)

    photo = page.locator("img.photo").first
    expect(photo).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
    )
    # 390 CSS pixels wide at 1x: the 800-pixel rendition, not the 1600-pixel one.
    assert photo.evaluate("img => img.currentSrc").endswith("/medium.jpg")

    og_image = page.locator('meta[property="og:image"]').get_attribute("content")
    assert og_image is not None
    assert og_image.startswith(f"{piece.base_url}/media/")
    assert og_image.endswith("/large.jpg")
    large = page.request.get(og_image)
    assert large.status == 200
    assert large.headers["content-type"] == "image/jpeg"
    assert page.locator('meta[property="og:url"]').get_attribute("content") == (
        f"{piece.base_url}/p/{piece.slug}"
    )
    assert page.locator('meta[name="twitter:card"]').get_attribute("content") == (
        "summary_large_image"
    )
    assert page.locator('meta[property="og:title"]').get_attribute("content") == piece.title

    whatsapp = page.get_by_role("link", name="Order on WhatsApp")
    telegram = page.get_by_role("link", name="Order on Telegram")
    expect(whatsapp).to_have_attribute(
        "href", f"https://wa.me/{WHATSAPP.lstrip('+')}?text=/start%20p-{piece.id}"
    )
    expect(telegram).to_have_attribute("href", f"https://t.me/{BOT}?start=p-{piece.id}")
    expect(page.locator(".shipping-from")).to_have_text("+ shipping from US$4")
    europe = page.locator("table.shipping tr", has_text="Europe")
    expect(europe).to_have_text("EuropeUS$125–10 days")
    expect(europe).to_be_visible()
    shot(page, "product page")

    page.get_by_role("link", name="Kiswahili").click()
    expect(page.get_by_role("link", name="Agiza kupitia WhatsApp")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "sw")
    expect(page.locator("table.shipping tr", has_text="Ulaya")).to_be_visible()
    shot(page, "product page in Swahili")
