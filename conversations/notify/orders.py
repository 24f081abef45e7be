"""What people are told when an order moves: paid (each artisan, the buyer), cancelled.

These run outside a conversation too (a payment webhook completes an order), so they write to
the outbox on the session directly, each message in its recipient's language. A dedupe key
per order, event and person makes a repeated call send nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations import outbox
from conversations.countries import country_name
from conversations.i18n import N_, Translator
from conversations.line_moves import move_choices
from conversations.messages import ImageRef, Outbound
from conversations.notify.pieces import cover_image
from conversations.notify.templates import UtilityTemplate
from store.models import Artisan, Order, OrderLine, Product, ProductStatus, User
from store.money import Money, sum_money

NEW_ORDER = N_("New order {code}: {items}, ship to {country}; you receive {amount}.")
NEW_ORDER_NEXT = N_("Choose “Accept” if you can make it; then “Mark shipped” once it is sent.")
SOLD_OUT_NOW = N_("Now sold out: {titles}.")
PAYMENT_RECEIVED = N_("Payment received for {code}. Thank you!")
ORDER_CANCELLED = N_("Order {code} was cancelled: {items}. Please don't ship it.")
ITEM = N_("{quantity} × {title}")
ORDER_EXPIRED = N_(
    "Order {code} was not paid in time, so we let the pieces go: {items}. "
    "If you still want them, send menu and order again."
)


def order_paid(session: Session, order: Order, now: datetime) -> None:
    """Tell each artisan of the order what to send, with the piece and its next step as a
    button (accept; the reply offers "shipped"), and the buyer that we have the money."""
    for artisan_user, lines in _lines_by_artisan(session, order):
        image = cover_image(session, lines[0].product_id)
        sold_out = _sold_out(session, lines)

        def new_order(
            t: Translator,
            lines: list[OrderLine] = lines,
            image: ImageRef | None = image,
            sold_out: list[str] = sold_out,
        ) -> Outbound:
            share = sum_money(
                (Money(line.artisan_share_minor, line.artisan_currency) for line in lines),
                lines[0].artisan_currency,
            )
            text = t._(NEW_ORDER).format(
                code=order.code,
                items=_items(t, lines),
                country=country_name(order.shipping_country, t.locale),
                amount=share.format(t.locale),
            )
            if sold_out:
                text += "\n" + t._(SOLD_OUT_NOW).format(titles=", ".join(sold_out))
            return Outbound(
                text=f"{text}\n{t._(NEW_ORDER_NEXT)}",
                image=image,
                choices=tuple(move_choices(t, lines)),
                template=UtilityTemplate.NEW_ORDER,
            )

        _tell(session, artisan_user, new_order, f"order:{order.id}:paid", now)

    buyer = session.get(User, order.buyer_user_id)
    if buyer is not None:
        _tell(
            session,
            buyer,
            lambda t: Outbound(text=t._(PAYMENT_RECEIVED).format(code=order.code)),
            f"order:{order.id}:paid",
            now,
        )


def order_cancelled(session: Session, order: Order, now: datetime) -> None:
    """Tell each artisan of the order that it was called off, so she doesn't ship it."""
    for artisan_user, lines in _lines_by_artisan(session, order):
        image = cover_image(session, lines[0].product_id)

        def cancelled(
            t: Translator, lines: list[OrderLine] = lines, image: ImageRef | None = image
        ) -> Outbound:
            return Outbound(
                text=t._(ORDER_CANCELLED).format(code=order.code, items=_items(t, lines)),
                image=image,
            )

        _tell(session, artisan_user, cancelled, f"order:{order.id}:cancelled", now)


def order_expired(session: Session, order: Order, now: datetime) -> None:
    """Tell the buyer the pay page ran out and the pieces went back on sale."""
    buyer = session.get(User, order.buyer_user_id)
    if buyer is None:
        return
    lines = list(order.lines)

    def expired(t: Translator) -> Outbound:
        return Outbound(text=t._(ORDER_EXPIRED).format(code=order.code, items=_items(t, lines)))

    _tell(session, buyer, expired, f"order:{order.id}:expired", now)


def _lines_by_artisan(session: Session, order: Order) -> list[tuple[User, list[OrderLine]]]:
    by_artisan: dict[int, list[OrderLine]] = defaultdict(list)
    for line in order.lines:
        by_artisan[line.artisan_id].append(line)
    if not by_artisan:
        return []
    users = session.execute(
        select(Artisan.id, User)
        .join(User, User.id == Artisan.user_id)
        .where(Artisan.id.in_(by_artisan))
        .order_by(Artisan.id)
    ).all()
    return [(user, by_artisan[artisan_id]) for artisan_id, user in users]


def _sold_out(session: Session, lines: list[OrderLine]) -> list[str]:
    """The titles of her pieces this order left with none to sell (she may make more)."""
    ids = [line.product_id for line in lines]
    found = session.scalars(
        select(Product.id).where(Product.id.in_(ids), Product.status == ProductStatus.SOLD_OUT)
    ).all()
    return [line.title for line in lines if line.product_id in set(found)]


def _items(t: Translator, lines: list[OrderLine]) -> str:
    return ", ".join(t._(ITEM).format(quantity=line.quantity, title=line.title) for line in lines)


def _tell(
    session: Session,
    user: User,
    message: Callable[[Translator], Outbound],
    event: str,
    now: datetime,
) -> None:
    outbound = message(Translator(user.locale))
    outbox.notify(session, user.id, outbound, dedupe_key=f"{event}:{user.id}", now=now)
