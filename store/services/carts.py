"""A buyer's cart: one per user, one row per product, priced only when shown.

Adding checks the product is for sale, in an open shop (``open_shops``), and has a piece
available *now*; nothing is held until the order is placed (``orders.place_order``
reserves). Asking for more than is available puts what is available in the cart and says so
(``CartChange.capped``); so does asking for more than one buyer may hold
(``BuyerLimits.pieces_per_product``, when the caller gives one: ``CartChange.at_limit``) or
more pieces in all than one order may hold (``BuyerLimits.pieces_per_order``: the piece is
cut to what fits, ``CartChange.at_order_limit``; a full cart takes none of it). A
piece whose shop is suspended stays in the carts that hold it,
shown as unavailable, and can be ordered again once the shop is reinstated.

An artisan may not buy her own pieces: a self-purchase would count toward her referral
qualification ("a fulfilled order") and pay her mentor a commission on nothing real.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.errors import NotFound, StoreError
from store.models import Artisan, Cart, CartItem, Product, ProductStatus
from store.money import Money, sum_money
from store.pricing import PricingPolicy
from store.services.inventory import InsufficientStock, StockShortage
from store.services.open_shops import SHOP_OPEN, ShopClosed, is_open


class ProductNotForSale(StoreError):
    """The product is not active (a draft, under review, archived…)."""

    def __init__(self, product_id: int, status: ProductStatus) -> None:
        super().__init__(f"product {product_id} is not for sale ({status.value})")
        self.product_id = product_id
        self.status = status


class OwnProduct(StoreError):
    """An artisan tried to buy her own piece."""

    def __init__(self, product_id: int, user_id: int) -> None:
        super().__init__(f"user {user_id} sells product {product_id}: cannot buy it")
        self.product_id = product_id
        self.user_id = user_id


class InvalidQuantity(StoreError):
    def __init__(self, quantity: int) -> None:
        super().__init__(f"quantity must be a positive whole number, got {quantity!r}")
        self.quantity = quantity


@dataclass(frozen=True, slots=True)
class CartChange:
    product_id: int
    requested: int  # what the buyer asked the cart to hold
    quantity: int  # what it holds now (0: removed, or not added to a full cart)
    at_limit: bool = False  # capped by what one buyer may hold, not by what is available
    at_order_limit: bool = False  # capped by how many pieces one order may hold in all

    @property
    def capped(self) -> bool:
        return self.quantity < self.requested


class CartProblem(StrEnum):
    NOT_FOR_SALE = "not_for_sale"  # archived, back under review…
    UNAVAILABLE = "unavailable"  # her shop is suspended: back if it is reinstated
    SOLD_OUT = "sold_out"  # nothing available
    NOT_ENOUGH = "not_enough"  # fewer available than in the cart


@dataclass(frozen=True, slots=True)
class CartLine:
    product_id: int
    title: str
    quantity: int
    available: int
    unit_price: Money  # store currency, at today's rate
    line_total: Money
    problem: CartProblem | None

    @property
    def orderable(self) -> bool:
        return self.problem is None


@dataclass(frozen=True, slots=True)
class CartView:
    lines: list[CartLine]
    subtotal: Money  # of the orderable lines only

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def ready_to_order(self) -> bool:
        return bool(self.lines) and all(line.orderable for line in self.lines)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


def get_cart(session: Session, user_id: int) -> Cart | None:
    return session.scalar(select(Cart).where(Cart.user_id == user_id))


def get_or_create_cart(session: Session, user_id: int, *, now: datetime | None = None) -> Cart:
    cart = get_cart(session, user_id)
    if cart is not None:
        return cart
    try:
        with session.begin_nested():
            cart = Cart(user_id=user_id, updated_at=now or datetime.now(UTC))
            session.add(cart)
    except IntegrityError:
        # The same person, on a second device, created it a moment ago.
        cart = get_cart(session, user_id)
        if cart is None:
            raise
    return cart


def add_to_cart(
    session: Session,
    user_id: int,
    product_id: int,
    quantity: int = 1,
    *,
    now: datetime | None = None,
    most: int | None = None,
    most_in_order: int | None = None,
) -> CartChange:
    """Put ``quantity`` more pieces in the cart, up to what is available, to ``most`` (what
    one buyer may hold of a piece) and to ``most_in_order`` (pieces in the whole cart); None:
    no such limit. When the cart is already full nothing is added (``quantity`` 0, or what
    the cart held of the piece).

    Raises ``NotFound``, ``ProductNotForSale``, ``OwnProduct``, ``ShopClosed`` (her shop is
    suspended), or ``InsufficientStock`` when nothing at all is available.
    """
    _check_quantity(quantity)
    product = _product_for_sale(session, user_id, product_id)
    cart = get_or_create_cart(session, user_id, now=now)
    item = _item(session, cart.id, product_id)
    requested = quantity + (item.quantity if item else 0)
    return _store(session, cart, item, product, requested, now, most, most_in_order)


def set_quantity(
    session: Session,
    user_id: int,
    product_id: int,
    quantity: int,
    *,
    now: datetime | None = None,
    most: int | None = None,
    most_in_order: int | None = None,
) -> CartChange:
    """Make the cart hold exactly ``quantity`` (capped at what is available, at ``most`` and
    at what fits under ``most_in_order``); 0 removes."""
    if quantity == 0:
        remove_from_cart(session, user_id, product_id, now=now)
        return CartChange(product_id, 0, 0)
    _check_quantity(quantity)
    product = _product_for_sale(session, user_id, product_id)
    cart = get_or_create_cart(session, user_id, now=now)
    item = _item(session, cart.id, product_id)
    return _store(session, cart, item, product, quantity, now, most, most_in_order)


def remove_from_cart(
    session: Session, user_id: int, product_id: int, *, now: datetime | None = None
) -> bool:
    """Take a product out of the cart; False if it was not there."""
    cart = get_cart(session, user_id)
    if cart is None:
        return False
    item = _item(session, cart.id, product_id)
    if item is None:
        return False
    cart.items.remove(item)
    cart.updated_at = now or datetime.now(UTC)
    session.flush()
    return True


def clear_cart(session: Session, user_id: int) -> None:
    cart = get_cart(session, user_id)
    if cart is not None:
        session.execute(delete(CartItem).where(CartItem.cart_id == cart.id))
        session.expire(cart, ["items"])


def view_cart(session: Session, user_id: int, policy: PricingPolicy) -> CartView:
    """The cart priced in the store currency, each line flagged if it can't be ordered as is."""
    rows = session.execute(
        select(CartItem, Product, SHOP_OPEN)
        .join(Cart, Cart.id == CartItem.cart_id)
        .join(Product, Product.id == CartItem.product_id)
        .join(Artisan, Artisan.id == Product.artisan_id)
        .where(Cart.user_id == user_id)
        .order_by(CartItem.id)
    ).all()
    lines = [_priced_line(item, product, open_, policy) for item, product, open_ in rows]
    subtotal = sum_money(
        (line.line_total for line in lines if line.orderable), policy.store_currency
    )
    return CartView(lines, subtotal)


def _priced_line(
    item: CartItem, product: Product, shop_open: bool, policy: PricingPolicy
) -> CartLine:
    assert product.price_minor is not None  # listed products always have a price
    quote = policy.quote_line(
        Money(product.price_minor, product.currency), item.quantity, has_mentor=False
    )
    available = max(product.stock_available, 0)
    problem: CartProblem | None = None
    if product.status not in (ProductStatus.ACTIVE, ProductStatus.SOLD_OUT):
        problem = CartProblem.NOT_FOR_SALE
    elif not shop_open:
        problem = CartProblem.UNAVAILABLE
    elif available == 0 or product.status == ProductStatus.SOLD_OUT:
        problem = CartProblem.SOLD_OUT
    elif available < item.quantity:
        problem = CartProblem.NOT_ENOUGH
    return CartLine(
        product_id=product.id,
        title=product.title,
        quantity=item.quantity,
        available=available,
        unit_price=quote.unit_price,
        line_total=quote.line_total,
        problem=problem,
    )


def _check_quantity(quantity: int) -> None:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise InvalidQuantity(quantity)


def _product_for_sale(session: Session, user_id: int, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("product", product_id)
    seller, status = session.execute(
        select(Artisan.user_id, Artisan.status).where(Artisan.id == product.artisan_id)
    ).one()
    if seller == user_id:
        raise OwnProduct(product_id, user_id)
    if not is_open(status):
        raise ShopClosed([product_id])
    if product.status == ProductStatus.SOLD_OUT:
        raise InsufficientStock([StockShortage(product_id, 1, 0)])
    if product.status != ProductStatus.ACTIVE:
        raise ProductNotForSale(product_id, product.status)
    return product


def _item(session: Session, cart_id: int, product_id: int) -> CartItem | None:
    return session.scalar(
        select(CartItem).where(CartItem.cart_id == cart_id, CartItem.product_id == product_id)
    )


def _store(
    session: Session,
    cart: Cart,
    item: CartItem | None,
    product: Product,
    requested: int,
    now: datetime | None,
    most: int | None,
    most_in_order: int | None,
) -> CartChange:
    available = product.stock_available
    if available < 1:
        raise InsufficientStock([StockShortage(product.id, requested, 0)])
    quantity = min(requested, available)
    at_limit = most is not None and quantity > most
    if most is not None:
        quantity = min(quantity, most)
    at_order_limit = False
    if most_in_order is not None:
        fits = most_in_order - _other_pieces(cart, product.id)
        at_order_limit = quantity > fits
        quantity = min(quantity, fits)
    if quantity < 1:  # the cart is full: it stays as it was
        held = item.quantity if item else 0
        return CartChange(product.id, requested, held, at_limit, at_order_limit)
    if item is None:
        cart.items.append(CartItem(product_id=product.id, quantity=quantity))
    else:
        item.quantity = quantity
    cart.updated_at = now or datetime.now(UTC)
    session.flush()
    return CartChange(product.id, requested, quantity, at_limit, at_order_limit)


def _other_pieces(cart: Cart, product_id: int) -> int:
    return sum(item.quantity for item in cart.items if item.product_id != product_id)
