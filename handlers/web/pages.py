"""The public pages: a piece (`/p/{slug}`), an artisan's shop (`/a/{slug}`) and a curated
collection (`/c/{slug}`), server-rendered, light, shareable.

A piece's page shows its photos in every stored size (srcset), the price a buyer pays in the
store currency (the pricing policy the chat uses), where shipping starts and each destination
zone's fee and delivery days, what it is made of, who made it and what she receives, and
"Order on WhatsApp / Telegram" buttons that open the chat at the piece. Open Graph and Twitter
tags make a shared link show the photo, title and price. An id in place of the slug (links
from before the piece had one) redirects to the slug.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from conversations import links, shipping_fees, verified_badge
from conversations.flows.product_card import MADE_BY, MATERIALS
from conversations.i18n import Translator
from handlers.web.pages_render import PageLanguage, Pages
from store.models.types import utcnow
from store.pricing import PriceTooLow
from store.services import browse, showcase
from store.services.showcase import PhotoView, ProductView
from store.uow import UnitOfWorkFactory
from store.vocabulary import vocabulary

GRID_SIZE: Final = 24
DESCRIPTION_MAX: Final = 200

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Picture:
    """A photo as the templates use it: default source, srcset, and the large one's URL."""

    src: str
    srcset: str
    width: int
    height: int
    large_url: str
    large_width: int
    large_height: int


@dataclass(frozen=True)
class GridCard:
    href: str
    title: str
    price: str
    photo: Picture | None
    sold_out: bool = False


def page_routes(uow_factory: UnitOfWorkFactory, pages: Pages) -> list[Route]:
    return [
        Route("/p/{ref}", product_endpoint(uow_factory, pages), methods=["GET"], name="product"),
        Route("/a/{slug}", shop_endpoint(uow_factory, pages), methods=["GET"], name="shop"),
        Route(
            "/c/{slug}",
            collection_endpoint(uow_factory, pages),
            methods=["GET"],
            name="collection",
        ),
    ]


# --- a piece --------------------------------------------------------------------------------


def product_endpoint(uow_factory: UnitOfWorkFactory, pages: Pages) -> Endpoint:
    def load(ref: str) -> ProductView | None:
        with uow_factory(read_only=True) as uow:
            return showcase.find_product(
                uow.session, ref, now=utcnow(), timezone=pages.site.timezone
            )

    async def product(request: Request) -> Response:
        language = pages.language(request)
        ref: str = request.path_params["ref"]
        view = await run_in_threadpool(load, ref)
        if view is None:
            return pages.not_found(language)
        if view.slug and ref != view.slug:
            return RedirectResponse(language.href(f"/p/{view.slug}"), status_code=301)
        try:
            return render_product(pages, language, view)
        except PriceTooLow:  # too cheap to sell in the store currency: not buyable
            return pages.not_found(language)

    return product


def render_product(pages: Pages, language: PageLanguage, view: ProductView) -> Response:
    site, locale = pages.site, language.locale
    t = Translator(locale)
    quote = site.pricing.quote_line(view.price, 1, has_mentor=view.shop.has_mentor)
    price = quote.unit_price.format(locale)
    shop = view.shop
    made_by = t._(MADE_BY).format(shop=shop.shop_name, location=shop.location).rstrip(", ")
    # What it is and what it is made of in the reader's language; her title stays as written.
    words = vocabulary()
    plain_name = words.plain_name(view.title, view.category, view.material_codes, locale)
    materials = words.readable_materials(view.materials, view.material_codes, locale)
    summary = [price]
    if materials:
        summary.append(t._(MATERIALS).format(materials=", ".join(materials)))
    summary.append(made_by)
    order = links.product_chat_links(site.telegram_bot_username, site.whatsapp_number, view.id)
    pictures = [picture(pages, photo) for photo in view.photos]
    return pages.render(
        "product.html",
        language,
        {
            "product": view,
            "plain_name": plain_name,
            "materials": materials,
            "price": price,
            "shipping_from": shipping_fees.starting_from(t, site.pricing.store_currency),
            "shipping": shipping_fees.zone_rows(t, site.pricing.store_currency),
            "receives": view.price.format(locale),
            "made_by": made_by,
            "description": _trim(" · ".join(summary), DESCRIPTION_MAX),
            "canonical": links.product_page_url(site.base, view.slug, view.id),
            "cover": pictures[0] if pictures else None,
            "more_photos": pictures[1:],
            "order": order,
            "shop_href": language.href(f"/a/{shop.slug}"),
            "verified": verified_words(t, shop),
        },
    )


# --- a shop and a collection ----------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    page: browse.Page
    covers: dict[int, PhotoView]


def _listing(
    uow_factory: UnitOfWorkFactory,
    after: str | None,
    *,
    artisan_id: int | None = None,
    collection_id: int | None = None,
) -> Callable[[], Listing]:
    def load() -> Listing:
        def page_after(cursor: str | None) -> browse.Page:
            return browse.browse(
                uow.session,
                artisan_id=artisan_id,
                collection_id=collection_id,
                after=cursor,
                limit=GRID_SIZE,
            )

        with uow_factory(read_only=True) as uow:
            try:
                page = page_after(after)
            except browse.InvalidCursor:  # a hand-edited ?after=: start from the top
                page = page_after(None)
            ids = [card.product_id for card in page.items]
            return Listing(page, showcase.cover_photos(uow.session, ids))

    return load


def shop_endpoint(uow_factory: UnitOfWorkFactory, pages: Pages) -> Endpoint:
    def find(slug: str) -> tuple[int, showcase.ShopView] | None:
        with uow_factory(read_only=True) as uow:
            return showcase.find_shop(uow.session, slug, now=utcnow(), timezone=pages.site.timezone)

    async def shop(request: Request) -> Response:
        language = pages.language(request)
        slug: str = request.path_params["slug"]
        found = await run_in_threadpool(find, slug)
        if found is None:
            return pages.not_found(language)
        artisan_id, view = found
        after = request.query_params.get("after") or None
        listing = await run_in_threadpool(_listing(uow_factory, after, artisan_id=artisan_id))
        cards = grid_cards(pages, language, listing)
        description = _trim(" · ".join(filter(None, (view.location, view.story))), DESCRIPTION_MAX)
        return pages.render(
            "shop.html",
            language,
            {
                "shop": view,
                "cards": cards,
                "more_href": _more(language, f"/a/{slug}", listing.page),
                "description": description or view.shop_name,
                "canonical": links.artisan_page_url(pages.site.base, view.slug),
                "og_image": _og_image(cards),
                "verified": verified_words(Translator(language.locale), view),
            },
        )

    return shop


def collection_endpoint(uow_factory: UnitOfWorkFactory, pages: Pages) -> Endpoint:
    def find(slug: str, locale: str) -> tuple[showcase.CollectionView, PhotoView | None] | None:
        with uow_factory(read_only=True) as uow:
            view = showcase.find_collection(uow.session, slug, locale)
            if view is None:
                return None
            cover = view.cover_product_id
            photos = showcase.cover_photos(uow.session, [cover] if cover is not None else [])
            return view, photos.get(cover) if cover is not None else None

    async def collection(request: Request) -> Response:
        language = pages.language(request)
        slug: str = request.path_params["slug"]
        found = await run_in_threadpool(find, slug, language.locale)
        if found is None:
            return pages.not_found(language)
        view, cover = found
        after = request.query_params.get("after") or None
        listing = await run_in_threadpool(_listing(uow_factory, after, collection_id=view.id))
        cards = grid_cards(pages, language, listing)
        return pages.render(
            "collection.html",
            language,
            {
                "collection": view,
                "cards": cards,
                "more_href": _more(language, f"/c/{slug}", listing.page),
                "description": _trim(view.description, DESCRIPTION_MAX) or view.title,
                "canonical": links.collection_page_url(pages.site.base, view.slug),
                # The cover piece's photo when a link is shared (sold out or not).
                "og_image": picture(pages, cover).large_url if cover else _og_image(cards),
            },
        )

    return collection


def verified_words(t: Translator, shop: showcase.ShopView) -> str:
    """ "Workshop visited by Soko, March 2027" for a verified shop; "" for any other."""
    return verified_badge.badge(t, shop.verified_in) if shop.verified_in else ""


def grid_cards(pages: Pages, language: PageLanguage, listing: Listing) -> list[GridCard]:
    cards = []
    for item in listing.page.items:
        try:
            quote = pages.site.pricing.quote_line(item.price, 1, has_mentor=False)
        except PriceTooLow:
            continue
        cover = listing.covers.get(item.product_id)
        cards.append(
            GridCard(
                href=language.href(f"/p/{item.slug or item.product_id}"),
                title=item.title,
                price=quote.unit_price.format(language.locale),
                photo=picture(pages, cover) if cover else None,
                sold_out=item.sold_out,
            )
        )
    return cards


# --- helpers --------------------------------------------------------------------------------


def picture(pages: Pages, photo: PhotoView) -> Picture:
    url = pages.site.media.url
    default = next((r for r in photo.renditions if r.name == "medium"), photo.largest)
    large = photo.largest
    return Picture(
        src=url(default.key),
        srcset=", ".join(f"{url(r.key)} {r.width}w" for r in photo.renditions),
        width=default.width,
        height=default.height,
        large_url=url(large.key),
        large_width=large.width,
        large_height=large.height,
    )


def _og_image(cards: list[GridCard]) -> str | None:
    return next((card.photo.large_url for card in cards if card.photo), None)


def _more(language: PageLanguage, path: str, page: browse.Page) -> str | None:
    return language.href(path, after=page.next_cursor) if page.next_cursor else None


def _trim(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rsplit(" ", 1)[0] + "…"
