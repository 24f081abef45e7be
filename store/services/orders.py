"""From cart to order, and the order's life: paid, expired, cancelled.

Stock follows the order (see ``inventory``): **reserved** by ``place_order`` until
``reserved_until``, **committed** by ``mark_paid``, **released** by ``expire_due_orders``,
a buyer's ``cancel_order`` (a paid order's pieces go back on hand instead) or
``cancel_unpaid_of_shop`` when a shop is suspended.

Locking: a service that changes an existing order first locks its row (``SELECT … FOR
UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already holds the write lock), reads the
current status and lines, and only then touches products, in product-id order. Placing an
order locks the buyer's cart row first, so a double tap on "buy" places one order.

A payment for an order that has **expired** (its reservation released) is still taken if the
stock is there: the pieces are reserved and committed again in one savepoint. If they are
gone, ``mark_paid`` raises ``PaymentForExpiredOrder`` and changes nothing; the payment layer
refunds the buyer. A payment for a cancelled or refunded order, or for an expired one holding
a piece of a shop suspended since, raises ``PaymentForClosedOrder``.

A buyer has at most one unpaid order: placing a new one cancels the previous one and
releases its pieces, in the same savepoint as the new reservation (if that fails, the
previous order stays as it was). Given ``BuyerLimits``, ``place_order`` also holds at most
``pieces_per_product`` of a piece and ``pieces_per_order`` pieces in all per order (the
lines in product-id order, the last ones cut) and refuses a buyer who placed
``orders_per_hour`` orders in the last hour (``OrderRateLimited``).

The order is one parcel: ``shipping_minor`` is its destination zone's fee for its pieces, in
the order's currency (``store.shipping_zones``), and the total is the subtotal plus it.
Artisans' work on their lines lives in ``fulfilment``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session, aliased, selectinload

from store import events
from store.errors import NotFound, PermissionDenied, StoreError
from store.models import (
    Artisan,
    Cart,
    CartItem,
    Channel,
    LineStatus,
    Order,
    OrderLine,
    OrderStatus,
    Product,
)
from store.money import Money, sum_money
from store.pricing import PricingPolicy
from store.services import inventory
from store.services.buyer_limits import ORDER_WINDOW, BuyerLimits
from store.services.inventory import InsufficientStock, rows_updated
from store.services.open_shops import SHOP_OPEN, ShopClosed
from store.services.order_events import PaidOrderCancelled, UnpaidOrderCancelled
from store.services.order_status import check_line, check_order
from store.services.referrals import mentoring_now
from store.services.shipping import ShippingDetails
from store.shipping_zones import zones as shipping_zones

__all__ = [
    "EmptyCart",
    "InsufficientStock",
    "OrderRateLimited",
    "PaymentForClosedOrder",
    "PaymentForExpiredOrder",
    "PaymentRefConflict",
    "ShippingDetails",
    "ShopClosed",
    "UnpaidOrderCancelled",
    "cancel_order",
    "cancel_unpaid_of_shop",
    "expire_due_orders",
    "get_order",
    "lock_order",
    "mark_paid",
    "orders_for_buyer",
    "pending_order",
    "place_order",
]

DEFAULT_RESERVATION = timedelta(minutes=30)
# Read aloud over a phone without confusion: no 0/O, no 1/I.
ORDER_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
ORDER_CODE_PREFIX = "SK-"
ORDER_CODE_LENGTH = 6
_CODE_ATTEMPTS = 10
_PAID_STATUSES = frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED})


class EmptyCart(StoreError):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"user {user_id} has nothing in the cart")
        self.user_id = user_id


class PaymentForClosedOrder(StoreError):
    """Money arrived for an order that can no longer take it: the payment layer refunds."""

    def __init__(self, order_id: int, status: OrderStatus) -> None:
        super().__init__(f"payment for order {order_id}, which is {status.value}")
        self.order_id = order_id
        self.status = status


class PaymentForExpiredOrder(PaymentForClosedOrder):
    """The order expired and its pieces have since been sold: refund the buyer."""

    def __init__(self, order_id: int) -> None:
        super().__init__(order_id, OrderStatus.EXPIRED)


class PaymentRefConflict(StoreError):
    """The order is paid with another reference, or the reference paid another order."""

    def __init__(self, order_id: int, payment_ref: str, existing: str | int | None) -> None:
        super().__init__(f"payment {payment_ref!r} for order {order_id} conflicts with {existing}")
        self.order_id = order_id
        self.payment_ref = payment_ref
        self.existing = existing


class OrderRateLimited(StoreError):
    """The buyer placed as many orders as an hour allows; `wait` until she may again."""

    def __init__(self, user_id: int, wait: timedelta) -> None:
        super().__init__(f"user {user_id} placed too many orders; may again in {wait}")
        self.user_id = user_id
        self.wait = wait


class OrderCodeUnavailable(StoreError):
    def __init__(self, attempts: int) -> None:
        super().__init__(f"no free order code after {attempts} attempts")
        self.attempts = attempts


def new_order_code() -> str:
    suffix = "".join(secrets.choice(ORDER_CODE_ALPHABET) for _ in range(ORDER_CODE_LENGTH))
    return ORDER_CODE_PREFIX + suffix


def place_order(
    session: Session,
    user_id: int,
    channel: Channel,
    policy: PricingPolicy,
    shipping: ShippingDetails,
    now: datetime,
    reservation: timedelta = DEFAULT_RESERVATION,
    *,
    new_code: Callable[[], str] = new_order_code,
    limits: BuyerLimits | None = None,
    payment_method: str = "",
    payer_phone: str | None = None,
) -> Order:
    """Turn the buyer's cart into an order awaiting payment, holding its pieces; her
    previous unpaid order, if any, is cancelled (its pieces released).

    Prices are copied from the products as they are now. A line's mentor is the artisan's
    mentor if she mentors now (`referrals.mentoring_now`: not stopped, not suspended); else
    it has none, its commission is 0 and the platform keeps that margin. Raises
    ``EmptyCart``, ``ShopClosed`` listing the pieces of suspended shops, or
    ``InsufficientStock`` listing every short product, in which case nothing is written and
    the cart (and her previous order) is left as it was. With ``limits``: each line holds at
    most ``pieces_per_product``, the order ``pieces_per_order`` (a line that no longer fits is
    left out), and ``OrderRateLimited`` when she ordered too often. ``payment_method`` and
    ``payer_phone``: the way she chose to pay and the number to charge (`Order`).
    """
    cart = session.scalar(
        select(Cart)
        .where(Cart.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    mentor = aliased(Artisan)
    rows = (
        session.execute(
            select(CartItem, Product, mentor.id, SHOP_OPEN)
            .join(Product, Product.id == CartItem.product_id)
            .join(Artisan, Artisan.id == Product.artisan_id)
            # Her mentor earns a commission only while she mentors; otherwise nobody does.
            .outerjoin(mentor, and_(mentor.id == Artisan.mentor_id, mentoring_now(mentor)))
            .where(CartItem.cart_id == cart.id)
            .order_by(Product.id)
            # Held until the order is written: a suspension waits for it (and then cancels
            # it), or it waits for the suspension and reads the shop closed.
            .with_for_update(read=True, of=Artisan)
            .execution_options(populate_existing=True)
        ).all()
        if cart is not None
        else []
    )
    if cart is None or not rows:
        raise EmptyCart(user_id)
    closed = [product.id for _, product, _, open_ in rows if not open_]
    if closed:
        raise ShopClosed(closed)
    if limits is not None:
        _check_order_rate(session, user_id, now, limits)

    lines: list[OrderLine] = []
    room = None if limits is None else limits.pieces_per_order
    for item, product, mentor_id, _ in rows:
        assert product.price_minor is not None  # listed products always have a price
        price = Money(product.price_minor, product.currency)
        # The cart keeps to the limits; a cart filled before one was lowered is held to it here.
        quantity = item.quantity
        if limits is not None and room is not None:
            quantity = min(quantity, limits.pieces_per_product, room)
            room -= quantity
        if quantity < 1:
            continue
        quote = policy.quote_line(price, quantity, has_mentor=mentor_id is not None)
        lines.append(
            OrderLine(
                product_id=product.id,
                artisan_id=product.artisan_id,
                title=product.title,
                quantity=quantity,
                unit_price_minor=quote.unit_price.amount,
                line_total_minor=quote.line_total.amount,
                artisan_currency=quote.artisan_share.currency,
                artisan_share_minor=quote.artisan_share.amount,
                mentor_id=mentor_id,
                mentor_commission_minor=quote.mentor_commission.amount,
                payout_cost_minor=quote.payout_cost.amount,
                status=LineStatus.PENDING,
                updated_at=now,
            )
        )

    with session.begin_nested():  # a failed reservation keeps her previous order too
        for previous in _unpaid_order_ids(session, user_id):
            # Locked first: paid or expired meanwhile, it is no longer hers to replace.
            if lock_order(session, previous).status is OrderStatus.PENDING_PAYMENT:
                cancel_order(session, user_id, previous, now)
        inventory.reserve(session, [(line.product_id, line.quantity) for line in lines])

    subtotal = sum_money(
        (Money(line.line_total_minor, policy.store_currency) for line in lines),
        policy.store_currency,
    )
    pieces = sum(line.quantity for line in lines)
    fee = shipping_zones().fee(shipping.country, pieces, policy.store_currency)
    order = Order(
        code=_free_order_code(session, new_code),
        buyer_user_id=user_id,
        channel=channel,
        status=OrderStatus.PENDING_PAYMENT,
        currency=policy.store_currency,
        subtotal_minor=subtotal.amount,
        shipping_minor=fee.amount,
        total_minor=(subtotal + fee).amount,
        shipping_name=shipping.name,
        shipping_address=shipping.address,
        shipping_country=shipping.country,
        payment_method=payment_method,
        payer_phone=payer_phone,
        reserved_until=now + reservation,
        created_at=now,
        lines=lines,
    )
    session.add(order)
    cart.items.clear()
    cart.updated_at = now
    session.flush()
    return order


def mark_paid(
    session: Session, order_id: int, provider: str, payment_ref: str, now: datetime
) -> Order:
    """Record the payment and commit the order's stock. Safe to call again with the same ref.

    Raises ``PaymentRefConflict`` (paid with another ref, or the ref paid another order),
    ``PaymentForExpiredOrder`` (expired and sold since) or ``PaymentForClosedOrder``.
    """
    order = lock_order(session, order_id)
    if order.status in _PAID_STATUSES:
        if order.payment_ref == payment_ref:
            return order
        raise PaymentRefConflict(order_id, payment_ref, order.payment_ref)
    if order.status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED):
        raise PaymentForClosedOrder(order_id, order.status)
    used_by = session.scalar(
        select(Order.id).where(Order.payment_ref == payment_ref, Order.id != order_id)
    )
    if used_by is not None:
        raise PaymentRefConflict(order_id, payment_ref, used_by)

    check_order(order.status, OrderStatus.PAID)
    quantities = _quantities(order)
    if order.status == OrderStatus.EXPIRED:
        if _has_closed_shop(session, order):  # suspended since: her pieces are not for sale
            raise PaymentForClosedOrder(order_id, order.status)
        try:
            with session.begin_nested():
                inventory.reserve(session, quantities)
                inventory.commit_reserved(session, quantities)
        except InsufficientStock:
            raise PaymentForExpiredOrder(order_id) from None
    else:
        inventory.commit_reserved(session, quantities)

    order.status = OrderStatus.PAID
    order.payment_provider = provider
    order.payment_ref = payment_ref
    order.paid_at = now
    order.closed_at = None
    _move_lines(order, LineStatus.PAID, now)
    session.flush()
    return order


def expire_due_orders(session: Session, now: datetime, *, limit: int = 500) -> list[Order]:
    """Expire unpaid orders whose reservation ran out and release their stock.

    Idempotent and safe to run concurrently: each order flips with a conditional UPDATE and
    only the run that flipped it releases its pieces. Orders are taken in id order.
    """
    due = session.scalars(
        select(Order.id)
        .where(Order.status == OrderStatus.PENDING_PAYMENT, Order.reserved_until < now)
        .order_by(Order.id)
        .limit(limit)
    ).all()
    expired_ids = [
        order_id
        for order_id in due
        if rows_updated(
            session,
            update(Order)
            .where(
                Order.id == order_id,
                Order.status == OrderStatus.PENDING_PAYMENT,
                Order.reserved_until < now,
            )
            .values(status=OrderStatus.EXPIRED, closed_at=now),
        )
    ]
    if not expired_ids:
        return []
    orders = list(
        session.scalars(
            select(Order)
            .where(Order.id.in_(expired_ids))
            .order_by(Order.id)
            .options(selectinload(Order.lines))
            .execution_options(populate_existing=True)
        )
    )
    inventory.release(session, [pair for order in orders for pair in _quantities(order)])
    return orders


def cancel_order(session: Session, user_id: int, order_id: int, now: datetime) -> Order:
    """The buyer calls the order off before anything has shipped.

    Unpaid: the reservation is released. Paid: the pieces go back on hand (sold-out products
    are for sale again) and the payment layer refunds. Each publishes its event
    (``UnpaidOrderCancelled``, ``PaidOrderCancelled``) for the providers to act on. Raises
    ``PermissionDenied`` for anyone but the buyer and ``InvalidTransition`` once a line has
    shipped.
    """
    order = lock_order(session, order_id)
    if order.buyer_user_id != user_id:
        raise PermissionDenied(f"cancel order {order_id}", user_id)
    check_order(order.status, OrderStatus.CANCELLED)
    live = _live_lines(order)
    for line in live:
        check_line(line.status, LineStatus.CANCELLED)
    quantities = [(line.product_id, line.quantity) for line in live]
    unpaid = order.status == OrderStatus.PENDING_PAYMENT
    if unpaid:
        inventory.release(session, quantities)
    else:
        inventory.restock(session, quantities)
    order.status = OrderStatus.CANCELLED
    order.closed_at = now
    _move_lines(order, LineStatus.CANCELLED, now)
    session.flush()
    if unpaid:
        events.publish(session, UnpaidOrderCancelled(order), now, may_go_unheard=True)
    else:
        events.publish(session, PaidOrderCancelled(order), now)
    return order


def cancel_unpaid_of_shop(session: Session, artisan_id: int, now: datetime) -> list[Order]:
    """Cancel every order awaiting payment that holds a piece of this shop (its shop is
    being suspended): the whole order, since it is one payment; its pieces are released and
    ``UnpaidOrderCancelled`` published for each. Every such order is locked, in id order,
    before any piece is touched (a payment locks its order, then its pieces); one paid or
    expired meanwhile is left as it is. A payment arriving after is refunded
    (``PaymentForClosedOrder``)."""
    order_ids = session.scalars(
        select(Order.id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(OrderLine.artisan_id == artisan_id, Order.status == OrderStatus.PENDING_PAYMENT)
        .distinct()
        .order_by(Order.id)
    ).all()
    locked = [lock_order(session, order_id) for order_id in order_ids]
    cancelled = [order for order in locked if order.status is OrderStatus.PENDING_PAYMENT]
    # One release, in product-id order (as `expire_due_orders`), whatever orders share.
    inventory.release(session, [pair for order in cancelled for pair in _quantities(order)])
    for order in cancelled:
        order.status = OrderStatus.CANCELLED
        order.closed_at = now
        _move_lines(order, LineStatus.CANCELLED, now)
    session.flush()
    for order in cancelled:
        events.publish(session, UnpaidOrderCancelled(order), now, may_go_unheard=True)
    return cancelled


def pending_order(session: Session, user_id: int) -> Order | None:
    """The buyer's order awaiting payment (placing another one cancels it)."""
    return session.scalar(
        select(Order)
        .where(Order.buyer_user_id == user_id, Order.status == OrderStatus.PENDING_PAYMENT)
        .order_by(Order.id.desc())
        .limit(1)
    )


def _unpaid_order_ids(session: Session, user_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Order.id)
            .where(Order.buyer_user_id == user_id, Order.status == OrderStatus.PENDING_PAYMENT)
            .order_by(Order.id)
        )
    )


def _check_order_rate(session: Session, user_id: int, now: datetime, limits: BuyerLimits) -> None:
    """Refuse a buyer who placed ``orders_per_hour`` orders within the last hour."""
    since = now - ORDER_WINDOW
    count, oldest = session.execute(
        select(func.count(), func.min(Order.created_at)).where(
            Order.buyer_user_id == user_id, Order.created_at > since
        )
    ).one()
    if count >= limits.orders_per_hour:
        # Counted from her oldest order in the window: the hour it opened runs out first.
        raise OrderRateLimited(user_id, max(oldest - since, timedelta(0)))


def get_order(session: Session, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound("order", order_id)
    return order


def orders_for_buyer(session: Session, user_id: int, *, limit: int = 20) -> list[Order]:
    """The buyer's orders, newest first, with their lines."""
    return list(
        session.scalars(
            select(Order)
            .where(Order.buyer_user_id == user_id)
            .order_by(Order.id.desc())
            .limit(limit)
            .options(selectinload(Order.lines))
        )
    )


def lock_order(session: Session, order_id: int) -> Order:
    """Load the order and its lines fresh, holding its row until the unit of work ends."""
    order = session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .options(selectinload(Order.lines))
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound("order", order_id)
    return order


def change_payer_phone(session: Session, user_id: int, order_id: int, phone: str) -> Order:
    """Charge `phone` (E.164) for her order from now on; only while it waits for payment
    (a paid or closed order is left as it is). The order, as it is now; ``PermissionDenied``
    for someone else's."""
    order = lock_order(session, order_id)
    if order.buyer_user_id != user_id:
        raise PermissionDenied(f"change the number of order {order_id}", user_id)
    if order.status is OrderStatus.PENDING_PAYMENT:
        order.payer_phone = phone
    return order


def _has_closed_shop(session: Session, order: Order) -> bool:
    artisan_ids = {line.artisan_id for line in _live_lines(order)}
    return bool(session.scalar(select(exists().where(Artisan.id.in_(artisan_ids), ~SHOP_OPEN))))


def _live_lines(order: Order) -> list[OrderLine]:
    return [
        line
        for line in order.lines
        if line.status not in (LineStatus.CANCELLED, LineStatus.REFUNDED)
    ]


def _quantities(order: Order) -> list[tuple[int, int]]:
    return [(line.product_id, line.quantity) for line in _live_lines(order)]


def _move_lines(order: Order, target: LineStatus, now: datetime) -> None:
    for line in _live_lines(order):
        check_line(line.status, target)
        line.status = target
        line.updated_at = now


def _free_order_code(session: Session, new_code: Callable[[], str]) -> str:
    # 32⁶ ≈ 10⁹ codes: a clash is rare, and a clash with an order being placed at the same
    # instant rarer still (that one fails on the unique key and the update is retried).
    for _ in range(_CODE_ATTEMPTS):
        code = new_code()
        if not session.scalar(select(exists().where(Order.code == code))):
            return code
    raise OrderCodeUnavailable(_CODE_ATTEMPTS)
