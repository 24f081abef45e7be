"""The public pages: a piece, a shop, a collection — what they show, in which language, to whom."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from starlette.testclient import TestClient

from bot.container import Container
from bot.web import create_app
from store.models import Artisan, CollectionProduct, ProductStatus, Role
from store.money import Money
from store.services import listing_review, suspension
from store.services.audit import Actor
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user
from tests.integration.web.conftest import BASE_URL, BOT_USERNAME, SHA, Shop, make_container
from tests.integration.web.html_support import parse

PAGE_BUDGET = 100 * 1024  # first paint, before images
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def buyer_price(container: Container, price_minor: int) -> str:
    """What the chat shows a buyer for a piece (product_card.buyer_price)."""
    quote = container.pricing.quote_line(Money(price_minor, "KES"), 1, has_mentor=False)
    return quote.unit_price.format("en")


def test_a_piece_shows_its_photo_price_maker_and_order_buttons(
    client: TestClient, container: Container, shop: Shop
) -> None:
    product = shop.product
    response = client.get(f"/p/{product.slug}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = parse(response.text)
    assert page.lang == "en"
    # KES 6,500 at 0.0077 USD plus 40%: the price the chat shows, in the store currency.
    assert buyer_price(container, 650_000) == "US$70.07"
    assert "Maasai <collar> Glass bead and brass necklace US$70.07" in page.text
    assert "Made of glass beads, brass" in page.text
    assert "Seven rows & a brass clasp." in page.text
    assert "Made by Wanjiru's <Beads> & Brass, Kibera, Nairobi" in page.text
    assert '“I learnt from my mother. "Shanga" means beads.”' in page.text
    assert "Wanjiru receives Ksh6,500" in page.text
    assert page.link_to("Order on Telegram") == f"https://t.me/{BOT_USERNAME}?start=p-{product.id}"
    assert page.link_to("Order on WhatsApp") == (
        f"https://wa.me/14155238886?text=/start%20p-{product.id}"
    )
    assert page.link_to("Made by Wanjiru's <Beads> & Brass, Kibera, Nairobi") == (
        f"/a/{shop.artisan.slug}"
    )
    cover = page.images[0]
    media = f"{BASE_URL}/media/{SHA}"
    assert cover["src"] == f"{media}/medium.jpg"
    assert cover["srcset"] == (
        f"{media}/thumb.jpg 320w, {media}/medium.jpg 800w, {media}/large.jpg 1600w"
    )
    assert (cover["width"], cover["height"], cover["alt"]) == ("800", "600", "Maasai <collar>")


def test_everything_the_artisan_typed_is_escaped(client: TestClient, shop: Shop) -> None:
    html = client.get(f"/p/{shop.product.slug}").text
    assert "<collar>" not in html
    assert "<Beads>" not in html
    assert "Maasai &lt;collar&gt;" in html
    assert "Seven rows &amp; a brass clasp." in html


def test_open_graph_and_twitter_tags_make_a_shared_link_show_photo_title_and_price(
    client: TestClient, shop: Shop
) -> None:
    page = parse(client.get(f"/p/{shop.product.slug}").text)
    url = f"{BASE_URL}/p/{shop.product.slug}"
    assert page.meta["og:title"] == "Maasai <collar>"
    assert page.meta["og:description"] == (
        "US$70.07 · Made of glass beads, brass · Made by Wanjiru's <Beads> & Brass, Kibera, Nairobi"
    )
    assert page.meta["og:image"] == f"{BASE_URL}/media/{SHA}/large.jpg"
    assert (page.meta["og:image:width"], page.meta["og:image:height"]) == ("1600", "1200")
    assert page.meta["og:url"] == url
    assert page.meta["og:type"] == "product"
    assert page.meta["twitter:card"] == "summary_large_image"
    assert page.meta["twitter:image"] == page.meta["og:image"]
    assert page.meta["description"] == page.meta["og:description"]


def test_pages_are_light_cacheable_and_need_no_script(client: TestClient, shop: Shop) -> None:
    for path in (
        f"/p/{shop.product.slug}",
        f"/a/{shop.artisan.slug}",
        f"/c/{shop.collection.slug}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert len(response.content) < PAGE_BUDGET
        assert "<script" not in response.text
        assert '<link rel="stylesheet"' not in response.text  # the little CSS is inline
        assert "script-src" not in response.headers["content-security-policy"]
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "public, max-age=300"
        assert response.headers["vary"] == "Accept-Language"


def test_a_piece_shows_where_shipping_starts_and_each_zones_fee_and_days(
    client: TestClient, shop: Shop
) -> None:
    page = parse(client.get(f"/p/{shop.product.slug}").text)
    assert "US$70.07 + shipping from US$4 " in page.text
    assert (
        "Shipping To One piece Arrives in Kenya US$4 1–3 days East Africa US$10 3–7 days "
        "Africa US$15 5–14 days Europe US$12 5–10 days North America US$15 6–12 days "
        "Rest of the world US$20 7–21 days"
    ) in page.text
    swahili = parse(client.get(f"/p/{shop.product.slug}", params={"lang": "sw"}).text)
    assert "+ usafirishaji kuanzia US$ 4" in swahili.text.replace("\xa0", " ")
    assert "Ulaya US$ 12 siku 5–10" in swahili.text.replace("\xa0", " ")


def test_swahili_by_query_or_by_the_browser_and_links_keep_a_chosen_language(
    client: TestClient, shop: Shop
) -> None:
    by_query = client.get(f"/p/{shop.product.slug}", params={"lang": "sw"})
    page = parse(by_query.text)
    assert page.lang == "sw"
    assert by_query.headers["content-language"] == "sw"
    assert "Agiza kupitia WhatsApp" in page.text
    assert "Kuhusu fundi" in page.text
    assert "Wanjiru anapokea Ksh 6,500" in page.text
    # Her English materials, and what the piece is, in Swahili.
    assert "Maasai <collar> Mkufu wa shanga za kioo na shaba" in page.text
    assert "Malighafi: shanga za kioo, shaba" in page.text
    assert page.meta["og:locale"] == "sw_KE"
    assert f"/a/{shop.artisan.slug}?lang=sw" in page.hrefs()

    by_browser = client.get(
        f"/p/{shop.product.slug}", headers={"Accept-Language": "fr-FR, sw-KE;q=0.8, en;q=0.5"}
    )
    page = parse(by_browser.text)
    assert page.lang == "sw"
    assert "Agiza kupitia Telegram" in page.text
    assert f"/a/{shop.artisan.slug}" in page.hrefs()  # no ?lang: the browser says it again

    english = parse(client.get(f"/p/{shop.product.slug}", headers={"Accept-Language": "de"}).text)
    assert english.lang == "en"
    assert "Order on Telegram" in english.text


def test_an_old_link_by_id_redirects_to_the_slug(client: TestClient, shop: Shop) -> None:
    response = client.get(f"/p/{shop.product.id}", params={"lang": "sw"})
    assert response.status_code == 301
    assert response.headers["location"] == f"/p/{shop.product.slug}?lang=sw"


def test_pieces_not_approved_are_not_public(client: TestClient, shop: Shop) -> None:
    for ref in (shop.draft.slug, str(shop.draft.id), "no-such-piece", "9" * 30):
        response = client.get(f"/p/{ref}")
        assert response.status_code == 404, ref
        page = parse(response.text)
        assert "Page not found" in page.text
        assert "Secret draft" not in response.text
        assert page.meta["robots"] == "noindex"
    swahili = client.get("/p/no-such-piece", params={"lang": "sw"})
    assert swahili.status_code == 404
    assert "Ukurasa haukupatikana" in parse(swahili.text).text


def test_a_sold_out_piece_says_so_and_sends_buyers_to_the_shop(
    client: TestClient, shop: Shop
) -> None:
    response = client.get(f"/p/{shop.sold_out.slug}")
    assert response.status_code == 200
    page = parse(response.text)
    assert "Sold out." in page.text
    assert not any("t.me" in href or "wa.me" in href for href in page.hrefs())
    assert page.link_to("See more from Wanjiru's <Beads> & Brass") == f"/a/{shop.artisan.slug}"


def test_without_chat_channels_configured_there_are_no_order_buttons(
    engine: Engine, tmp_path: Path, shop: Shop
) -> None:
    bare = make_container(engine, tmp_path, telegram_bot_username="", twilio_whatsapp_from="")
    with TestClient(create_app(bare), base_url=bare.settings.public_base_url) as bare_client:
        page = parse(bare_client.get(f"/p/{shop.product.slug}").text)
    bare.close()
    assert not any("t.me" in href or "wa.me" in href for href in page.hrefs())
    assert "US$70.07" in page.text


def test_an_artisans_shop_lists_her_pieces_for_sale(client: TestClient, shop: Shop) -> None:
    response = client.get(f"/a/{shop.artisan.slug}")
    assert response.status_code == 200
    page = parse(response.text)
    assert "Wanjiru's <Beads> & Brass Kibera, Nairobi" in page.text
    assert '“I learnt from my mother. "Shanga" means beads.”' in page.text
    assert f"/p/{shop.product.slug}" in page.hrefs()
    assert f"/p/{shop.sold_out.slug}" not in page.hrefs()  # sold out: not in the window
    assert "Secret draft" not in response.text
    assert "Maasai <collar> US$70.07" in page.text
    thumb = page.images[0]
    assert thumb["src"] == f"{BASE_URL}/media/{SHA}/medium.jpg"
    assert thumb["loading"] == "lazy"
    assert page.meta["og:url"] == f"{BASE_URL}/a/{shop.artisan.slug}"
    assert page.meta["og:image"] == f"{BASE_URL}/media/{SHA}/large.jpg"
    assert client.get("/a/nobody").status_code == 404


def test_a_collection_shows_its_pieces_in_order(client: TestClient, shop: Shop) -> None:
    response = client.get(f"/c/{shop.collection.slug}", params={"lang": "sw"})
    assert response.status_code == 200
    page = parse(response.text)
    assert page.lang == "sw"
    assert "Kenya Collection Pieces from Nairobi." in page.text
    assert f"/p/{shop.product.slug}?lang=sw" in page.hrefs()
    assert client.get("/c/no-such-collection").status_code == 404


def test_a_suspended_shop_and_its_pieces_are_not_found_until_reinstated(
    client: TestClient, uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    piece, her_shop = f"/p/{shop.product.slug}", f"/a/{shop.artisan.slug}"
    collection = f"/c/{shop.collection.slug}"
    with uow_factory() as uow:
        suspension.suspend_shop(uow.session, Actor.operator(), shop.artisan.id, NOW, reason="test")
        uow.commit()
    for path in (piece, f"/p/{shop.product.id}", f"/p/{shop.sold_out.slug}", her_shop):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in parse(response.text).text
        assert "Maasai" not in response.text
    listed = client.get(collection)
    assert listed.status_code == 200
    shown = parse(listed.text)
    assert piece not in shown.hrefs()
    # Her piece was the cover: a shared link of the collection shows no photo of hers.
    assert SHA not in listed.text
    assert "og:image" not in shown.meta

    with uow_factory() as uow:
        suspension.reinstate_shop(uow.session, Actor.operator(), shop.artisan.id, NOW)
        uow.commit()
    assert client.get(piece).status_code == 200
    assert client.get(her_shop).status_code == 200
    back = parse(client.get(collection).text)
    assert piece in back.hrefs()
    assert back.meta["og:image"] == f"{BASE_URL}/media/{SHA}/large.jpg"


def test_a_new_shop_is_not_found_until_a_piece_of_hers_is_approved(
    client: TestClient, uow_factory: UnitOfWorkFactory
) -> None:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session, "Achieng Otieno")
        artisan.story = "Unreviewed words"
        waiting = make_product(
            uow.session, artisan, title="Waiting collar", status=ProductStatus.PENDING_REVIEW
        )
        for status in (ProductStatus.DRAFT, ProductStatus.REJECTED, ProductStatus.ARCHIVED):
            make_product(uow.session, artisan, status=status)
        manager = make_user(uow.session, "Neema", roles=(Role.COMMUNITY_MANAGER,))
        uow.commit()
        her_shop, waiting_id, manager_id = f"/a/{artisan.slug}", waiting.id, manager.id
    unknown = client.get("/a/no-such-shop")

    hidden = client.get(her_shop)

    # The very page of a shop that does not exist: nothing tells that hers does.
    assert (hidden.status_code, hidden.text) == (unknown.status_code, unknown.text)
    assert hidden.status_code == 404
    assert "Achieng" not in hidden.text
    with uow_factory() as uow:
        listing_review.approve(uow.session, manager_id, waiting_id, NOW)
        uow.commit()
    shown = client.get(her_shop)
    assert shown.status_code == 200
    assert "Waiting collar" in shown.text
    assert "Unreviewed words" in shown.text


def test_a_shared_map_pin_is_never_published(
    client: TestClient, uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    # What the chat stores when she answers "Where are you?" by sharing her location.
    pins = ["-1.29, 36.82", "https://maps.google.com/?q=-1.2921,36.8219", "Kibera -1.31,36.78"]
    for pin in pins:
        with uow_factory() as uow:
            artisan = uow.session.get(Artisan, shop.artisan.id)
            assert artisan is not None
            artisan.location = pin
            uow.commit()
        for path in (f"/a/{shop.artisan.slug}", f"/p/{shop.product.slug}"):
            response = client.get(path)
            assert response.status_code == 200, path
            for revealing in ("-1.29", "36.82", "-1.31", "36.78", "maps.google"):
                assert revealing not in response.text, (pin, path)
    with uow_factory() as uow:
        artisan = uow.session.get(Artisan, shop.artisan.id)
        assert artisan is not None
        artisan.location = "Kibera, Nairobi"  # a place she typed is shown
        uow.commit()
    assert "Kibera, Nairobi" in client.get(f"/a/{shop.artisan.slug}").text
    assert "Kibera, Nairobi" in client.get(f"/p/{shop.product.slug}").text


def test_a_collection_page_costs_the_same_few_queries_however_many_pieces(
    client: TestClient, container: Container, uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    """No query per piece (photos, shops, sold-out marks are read with the page)."""
    sent: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    def statements_for_the_page() -> int:
        sent.clear()
        event.listen(container.uow_factory.engine, "before_cursor_execute", count)
        try:
            assert client.get(f"/c/{shop.collection.slug}").status_code == 200
        finally:
            event.remove(container.uow_factory.engine, "before_cursor_execute", count)
        return len(sent)

    one_piece = statements_for_the_page()
    with uow_factory() as uow:
        artisan = uow.session.get_one(Artisan, shop.artisan.id)
        for n in range(6):
            added = make_product(uow.session, artisan, title=f"Cuff {n}")
            uow.session.add(
                CollectionProduct(
                    collection_id=shop.collection.id, product_id=added.id, position=n + 1
                )
            )
        uow.session.add(
            CollectionProduct(
                collection_id=shop.collection.id, product_id=shop.sold_out.id, position=9
            )
        )
        uow.commit()
    assert statements_for_the_page() == one_piece
