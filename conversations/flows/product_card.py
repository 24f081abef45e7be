"""A piece as a buyer sees it — photo, price, the artisan and what she receives — and putting
it in the cart. The steps that call these live in `browsing` (the "browse" flow)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select

from conversations import links, shipping_fees, verified_badge
from conversations.flow import StepContext
from conversations.i18n import N_
from conversations.messages import Choice, ImageRef, LinkButton, Outbound
from conversations.payloads import Payload
from conversations.shorten import shorten
from store.models import Artisan, Product, ProductPhoto, ProductStatus, User
from store.money import Money
from store.services import browse, carts, workshop_visits
from store.services.carts import OwnProduct, ProductNotForSale
from store.services.inventory import InsufficientStock
from store.services.open_shops import SHOP_OPEN, ShopClosed
from store.services.public_place import public_place
from store.text import read_int
from store.vocabulary import vocabulary

MATERIALS = N_("Made of {materials}")
MADE_BY = N_("Made by {shop}, {location}")
RECEIVES = N_("{name} receives {amount}")
PIECES_LEFT = N_("Pieces left: {count}")
SOLD_OUT = N_("Sold out")
ADD_TO_CART = N_("Add to cart")
BUY_NOW = N_("Buy now")
SHARE = N_("Share")
BACK = N_("Back")
SHARE_TEXT = N_("Share this piece with a friend:\n{url}")
OPEN_IN_TELEGRAM = N_("Open in Telegram")
OPEN_IN_WHATSAPP = N_("Open in WhatsApp")
HOW_MANY = N_("How many would you like? There are {count}. Type a number.")
TYPE_A_NUMBER = N_("Please type a number, like 2.")
CAPPED = N_("Only {count} available, so I put {count} in your cart.")
AT_LIMIT = N_("One buyer can hold at most {count} of a piece, so I put {count} in your cart.")
AT_ORDER_LIMIT = N_("One order can hold at most {most} pieces, so I put {count} in your cart.")
CART_FULL = N_(
    "Your cart is full: one order can hold at most {most} pieces, so I didn't add this one."
)
ADDED = N_("Added to your cart: {quantity} × {title}.")
MY_CART = N_("My cart")
CHECKOUT = N_("Checkout")
KEEP_SHOPPING = N_("Keep shopping")
JUST_SOLD_OUT = N_("Sorry, that piece just sold out.")
NO_LONGER_FOR_SALE = N_("Sorry, that piece is no longer for sale.")
NOT_FOR_SALE_NOW = N_("Sorry, that piece can't be bought right now.")
SIMILAR = N_("You may like these:")
OWN_PIECE = N_("This is your own piece, so you can't buy it.")
NOT_AVAILABLE = N_("Sorry, I couldn't find that piece. It may have been removed.")

STORY_MAX = 200
ALTERNATIVES = 4
# Back to the list (or, after adding, on with shopping); and on from "added to your cart".
BACK_PAYLOAD = "back"
GO_CART = "go:cart"
GO_CHECKOUT = "go:checkout"


@dataclass(frozen=True)
class OpenPiece(Payload, tag="p"):
    """A piece in a list: its card opens from any message while a buyer may see it."""

    product_id: int


class CardAction(StrEnum):
    ADD = "add"
    BUY = "buy"
    SHARE = "share"


@dataclass(frozen=True)
class OnCard(Payload, tag="pc"):
    """Add to cart, buy now or share, on a piece's card."""

    action: CardAction
    product_id: int


@dataclass(frozen=True)
class CardInfo:
    product: Product
    artisan: Artisan
    maker: User
    cover_key: str | None


def load(ctx: StepContext, product_id: int) -> CardInfo | None:
    """A piece a buyer may look at (listed or sold out, in an open shop), or None."""
    row = ctx.session.execute(
        select(Product, Artisan, User)
        .join(Artisan, Artisan.id == Product.artisan_id)
        .join(User, User.id == Artisan.user_id)
        .where(
            Product.id == product_id,
            Product.status.in_((ProductStatus.ACTIVE, ProductStatus.SOLD_OUT)),
            SHOP_OPEN,
        )
    ).one_or_none()
    if row is None:
        return None
    product, artisan, maker = row
    keys = ctx.session.scalar(
        select(ProductPhoto.keys).where(
            ProductPhoto.product_id == product_id, ProductPhoto.position == 0
        )
    )
    cover = (keys or {}).get("medium") or (keys or {}).get("large")
    return CardInfo(product, artisan, maker, str(cover) if cover else None)


def buyer_price(ctx: StepContext, product: Product, *, has_mentor: bool = False) -> str:
    """The unit price in the store currency, written the buyer's way."""
    assert product.price_minor is not None  # listed pieces always have a price
    quote_ = ctx.market.config.pricing.quote_line(
        Money(product.price_minor, product.currency), 1, has_mentor=has_mentor
    )
    return quote_.unit_price.format(ctx.user.locale)


def show(ctx: StepContext, card: CardInfo) -> None:
    product, artisan = card.product, card.artisan
    assert product.price_minor is not None
    available = max(product.stock_available, 0)
    for_sale = product.status == ProductStatus.ACTIVE and available > 0
    # Her title as she wrote it; beside it, what the piece is in the buyer's language
    # ("Brass necklace" under "Mkufu wa shaba"), and the materials she named, in it too.
    words = vocabulary()
    locale = ctx.user.locale
    lines = [product.title]
    plain_name = words.plain_name(product.title, product.category, product.material_codes, locale)
    if plain_name:
        lines.append(plain_name)
    lines.append(buyer_price(ctx, product, has_mentor=artisan.mentor_id is not None))
    lines.append(shipping_fees.card_line(ctx, ctx.market.config.pricing.store_currency))
    materials = words.readable_materials(product.materials, product.material_codes, locale)
    if materials:
        lines.append(ctx._(MATERIALS).format(materials=", ".join(materials)))
    lines.append(
        ctx._(MADE_BY)
        .format(shop=artisan.shop_name, location=public_place(artisan.location))
        .rstrip(", ")
    )
    verified = workshop_visits.verified_since(
        ctx.session, [artisan.id], ctx.now, timezone=ctx.market.config.artisan_timezone
    ).get(artisan.id)
    if verified is not None:
        lines.append(verified_badge.badge(ctx.translator, verified))
    if artisan.story.strip():
        lines.append(f"“{shorten(artisan.story, STORY_MAX)}”")
    share = Money(product.price_minor, product.currency).format(ctx.user.locale)
    lines.append(ctx._(RECEIVES).format(name=_first_name(card), amount=share))
    lines.append(ctx._(PIECES_LEFT).format(count=available) if for_sale else ctx._(SOLD_OUT))
    choices = [
        Choice(ctx._(SHARE), OnCard(CardAction.SHARE, product.id).encode()),
        Choice(ctx._(BACK), BACK_PAYLOAD),
    ]
    if for_sale:
        choices[:0] = [
            Choice(ctx._(ADD_TO_CART), OnCard(CardAction.ADD, product.id).encode()),
            Choice(ctx._(BUY_NOW), OnCard(CardAction.BUY, product.id).encode()),
        ]
    image = ImageRef(key=card.cover_key) if card.cover_key else None
    ctx.reply(Outbound(text="\n".join(lines), image=image, choices=tuple(choices)))


def share(ctx: StepContext, card: CardInfo) -> None:
    """The piece's public page, and deep links into the chats that are configured."""
    config = ctx.market.config
    product = card.product
    url = links.product_page_url(config.public_base_url, product.slug, product.id)
    chats = links.product_chat_links(
        config.telegram_bot_username, config.whatsapp_number, product.id
    )
    buttons: list[LinkButton] = []
    if chats.telegram:
        buttons.append(LinkButton(ctx._(OPEN_IN_TELEGRAM), chats.telegram))
    if chats.whatsapp:
        buttons.append(LinkButton(ctx._(OPEN_IN_WHATSAPP), chats.whatsapp))
    choices = (
        Choice(ctx._(ADD_TO_CART), OnCard(CardAction.ADD, product.id).encode()),
        Choice(ctx._(BACK), BACK_PAYLOAD),
    )
    ctx.reply(
        Outbound(text=ctx._(SHARE_TEXT).format(url=url), links=tuple(buttons), choices=choices)
    )


def ask_quantity(ctx: StepContext, card: CardInfo) -> None:
    # No choices here: a typed "2" must stay a number, not become the second choice.
    ctx.say(ctx._(HOW_MANY).format(count=max(card.product.stock_available, 0)))


def parse_quantity(text: str) -> int | None:
    number = read_int(text)  # any script's digits; "²" is no number
    return number if number is not None and 0 < number < 1000 else None


def put_in_cart(ctx: StepContext, product_id: int, quantity: int) -> carts.CartChange | None:
    """Add to the buyer's cart and say so; on a sold-out or unlisted piece, say that kindly
    and offer similar pieces (as `OpenPiece` choices). None when nothing was added."""
    try:
        change = carts.add_to_cart(
            ctx.session,
            ctx.user.id,
            product_id,
            quantity,
            now=ctx.now,
            most=most_per_piece(ctx),
            most_in_order=most_in_order(ctx),
        )
    except OwnProduct:
        ctx.ask(ctx._(OWN_PIECE), [Choice(ctx._(BACK), BACK_PAYLOAD)])
        return None
    except ShopClosed:
        sorry(ctx, product_id, ctx._(NOT_FOR_SALE_NOW))
        return None
    except (InsufficientStock, ProductNotForSale) as refused:
        sold_out = isinstance(refused, InsufficientStock)
        sorry(ctx, product_id, ctx._(JUST_SOLD_OUT if sold_out else NO_LONGER_FOR_SALE))
        return None
    return change


def most_per_piece(ctx: StepContext) -> int:
    """How many of one piece a buyer may hold (in her cart, in her order)."""
    return ctx.market.config.buyer_limits.pieces_per_product


def most_in_order(ctx: StepContext) -> int:
    """How many pieces in all one cart (one order) may hold."""
    return ctx.market.config.buyer_limits.pieces_per_order


def capped_note(ctx: StepContext, change: carts.CartChange) -> str:
    """Why the cart holds fewer than she asked for ("" when it holds them all)."""
    if not change.capped:
        return ""
    if change.at_order_limit:
        note = CART_FULL if change.quantity == 0 else AT_ORDER_LIMIT
        return ctx._(note).format(most=most_in_order(ctx), count=change.quantity)
    return ctx._(AT_LIMIT if change.at_limit else CAPPED).format(count=change.quantity)


def confirm_added(ctx: StepContext, change: carts.CartChange, title: str) -> None:
    choices = [
        Choice(ctx._(MY_CART), GO_CART),
        Choice(ctx._(CHECKOUT), GO_CHECKOUT),
        Choice(ctx._(KEEP_SHOPPING), BACK_PAYLOAD),
    ]
    if change.quantity == 0:  # her cart was full: nothing added
        ctx.ask(capped_note(ctx, change), choices)
        return
    if change.capped:
        ctx.say(capped_note(ctx, change))
    ctx.ask(ctx._(ADDED).format(quantity=change.quantity, title=title), choices)


def sorry(ctx: StepContext, product_id: int, text: str) -> None:
    """A kind "sold out" and a few other pieces: the same artisan's first, else the category's."""
    product = ctx.session.get(Product, product_id)
    others: list[browse.ProductCard] = []
    if product is not None:
        others = _others(ctx, browse.browse(ctx.session, artisan_id=product.artisan_id), product_id)
        if not others and product.category is not None:
            others = _others(ctx, browse.browse(ctx.session, category=product.category), product_id)
    if not others:
        ctx.ask(text, [Choice(ctx._(KEEP_SHOPPING), BACK_PAYLOAD)])
        return
    ctx.say(text)
    choices = [list_choice(ctx, card) for card in others]
    ctx.ask(ctx._(SIMILAR), [*choices, Choice(ctx._(KEEP_SHOPPING), BACK_PAYLOAD)])


def list_choice(ctx: StepContext, card: browse.ProductCard) -> Choice:
    """ "Maasai collar — US$37.73": a piece in a list, priced in the store currency."""
    quote_ = ctx.market.config.pricing.quote_line(card.price, 1, has_mentor=False)
    label = f"{card.title} — {quote_.unit_price.format(ctx.user.locale)}"
    return Choice(label, OpenPiece(card.product_id).encode())


def _others(ctx: StepContext, page: browse.Page, product_id: int) -> list[browse.ProductCard]:
    return [card for card in page.items if card.product_id != product_id][:ALTERNATIVES]


def _first_name(card: CardInfo) -> str:
    words = card.maker.display_name.split()
    return words[0] if words else card.artisan.shop_name
