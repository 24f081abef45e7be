"""A curated collection's page (`/c/{slug}`) in a real browser, JavaScript off as on a cheap
phone's data saver: the demo's published collection, one of its pieces sold out by its artisan
(set to 0 in stock, as in "My pieces"). The sold-out piece stays in the collection, marked,
its photo dimmed; the others are not marked; in Swahili the title, story and mark are hers.
A screenshot of each language is saved in the test's tmp folder."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from store.demo import content
from store.models import Collection, CollectionProduct, Product, ProductStatus
from store.services import catalog
from tests.browser.browser_support import DemoServer


def _sell_out_the_second_piece(demo_server: DemoServer) -> tuple[str, str]:
    """The collection's slug, and the title of the piece now sold out."""
    with demo_server.container.uow_factory() as uow:
        collection = uow.session.scalars(
            select(Collection).where(Collection.slug == content.COLLECTION_SLUG)
        ).one()
        product = uow.session.scalars(
            select(Product)
            .join(CollectionProduct, CollectionProduct.product_id == Product.id)
            .where(CollectionProduct.collection_id == collection.id)
            .order_by(CollectionProduct.position)
            .offset(1)
            .limit(1)
        ).one()
        catalog.set_stock(uow.session, product.artisan_id, product.id, 0)
        assert product.status is ProductStatus.SOLD_OUT
        uow.commit()
        return collection.slug, product.title


def test_a_collection_page_keeps_its_sold_out_piece_marked(
    demo_server: DemoServer, page: Page, tmp_path: Path
) -> None:
    slug, sold_out = _sell_out_the_second_piece(demo_server)

    page.goto(demo_server.url(f"/c/{slug}?lang=en"))
    expect(page.get_by_role("heading", level=1)).to_have_text(content.COLLECTION_TITLE)
    expect(page.get_by_text(content.COLLECTION_DESCRIPTION)).to_be_visible()
    cards = page.locator("ul.grid > li")
    expect(cards).to_have_count(len(content.COLLECTION_PIECES))
    expect(cards.locator(".title")).to_have_text(list(content.COLLECTION_PIECES))
    marked = page.locator("ul.grid > li.sold-out")
    expect(marked).to_have_count(1)
    expect(marked.locator(".title")).to_have_text(sold_out)
    expect(marked.locator(".badge")).to_have_text("Sold out")
    expect(marked.locator(".badge")).to_be_visible()
    assert marked.locator("img").evaluate("img => getComputedStyle(img).opacity") == "0.55"
    expect(page.locator("ul.grid .badge")).to_have_count(1)
    # A shared link shows the cover piece (the first, none chosen): its large photo.
    og_image = page.locator('meta[property="og:image"]').get_attribute("content") or ""
    first_photo = cards.first.locator("img").get_attribute("src") or ""
    assert og_image.endswith("/large.jpg")
    assert og_image.rsplit("/", 1)[0] == first_photo.rsplit("/", 1)[0]
    english = tmp_path / "collection-en.png"
    page.screenshot(path=str(english), full_page=True)
    assert english.stat().st_size > 10_000

    page.goto(demo_server.url(f"/c/{slug}?lang=sw"))
    expect(page.get_by_role("heading", level=1)).to_have_text(content.COLLECTION_TITLE_SW)
    expect(page.get_by_text(content.COLLECTION_DESCRIPTION_SW)).to_be_visible()
    expect(page.locator("ul.grid > li.sold-out .badge")).to_have_text("Imeisha")
    swahili = tmp_path / "collection-sw.png"
    page.screenshot(path=str(swahili), full_page=True)
    assert swahili.stat().st_size > 10_000
