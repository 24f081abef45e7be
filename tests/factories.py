"""Small builders for test data, written straight to the models (no service rules applied).

Each takes a session and flushes, so ids are available; the caller commits.
"""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime
from fractions import Fraction

from sqlalchemy.orm import Session

from store.models import (
    Artisan,
    ArtisanStatus,
    Category,
    Channel,
    Collection,
    CollectionProduct,
    Identity,
    LineStatus,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductStatus,
    Role,
    User,
    UserRole,
)
from store.vocabulary import vocabulary

_counter = itertools.count(1)


def make_user(
    session: Session,
    name: str = "",
    *,
    locale: str = "en",
    phone: str | None = None,
    roles: tuple[Role, ...] = (),
    channel: Channel = Channel.CONSOLE,
) -> User:
    n = next(_counter)
    user = User(display_name=name or f"User {n}", locale=locale, phone=phone)
    user.roles = [UserRole(role=role) for role in roles]
    session.add(user)
    session.flush()
    session.add(Identity(user_id=user.id, channel=channel, platform_user_id=f"{channel.value}-{n}"))
    session.flush()
    return user


def make_artisan(
    session: Session,
    name: str = "",
    *,
    mentor: Artisan | None = None,
    locale: str = "sw",
    status: ArtisanStatus = ArtisanStatus.MENTORED,
) -> Artisan:
    user = make_user(session, name, locale=locale, roles=(Role.ARTISAN,))
    if mentor is not None and session.get(UserRole, (mentor.user_id, Role.MENTOR)) is None:
        # A recruit's mentor is a mentor (she earns a commission only while she is one).
        session.add(UserRole(user_id=mentor.user_id, role=Role.MENTOR))
        session.flush()
        session.expire(mentor.user, ["roles"])
    n = next(_counter)
    artisan = Artisan(
        user_id=user.id,
        shop_name=f"{user.display_name}'s beads",
        slug=f"shop-{n}",
        location="Kibera, Nairobi",
        story="I make jewelry from upcycled brass.",
        mpesa_phone=f"+2547{n:08d}",
        status=status,
        mentor_id=mentor.id if mentor else None,
    )
    session.add(artisan)
    session.flush()
    return artisan


def make_product(
    session: Session,
    artisan: Artisan,
    *,
    title: str = "",
    price_minor: int = 150_000,
    stock: int = 1,
    status: ProductStatus = ProductStatus.ACTIVE,
    category: Category = Category.NECKLACE,
    materials: list[str] | None = None,
    description: str = "",
) -> Product:
    n = next(_counter)
    now = datetime.now(UTC)
    materials = materials if materials is not None else ["glass beads", "brass"]
    material_codes, colour_codes = vocabulary().piece_codes(materials, title)
    product = Product(
        artisan_id=artisan.id,
        slug=f"piece-{n}",
        title=title or f"Piece {n}",
        description=description,
        category=category,
        materials=materials,
        material_codes=material_codes,
        colour_codes=colour_codes,
        price_minor=price_minor,
        currency="KES",
        stock_on_hand=stock,
        status=status,
        submitted_at=now if status != ProductStatus.DRAFT else None,
        approved_at=now if status in (ProductStatus.ACTIVE, ProductStatus.SOLD_OUT) else None,
        approved_price_minor=price_minor
        if status in (ProductStatus.ACTIVE, ProductStatus.SOLD_OUT)
        else None,
    )
    session.add(product)
    session.flush()
    return product


def make_collection(session: Session, products: list[Product], title: str = "") -> Collection:
    n = next(_counter)
    collection = Collection(slug=f"collection-{n}", title=title or f"Collection {n}")
    session.add(collection)
    session.flush()
    for position, product in enumerate(products):
        session.add(
            CollectionProduct(collection_id=collection.id, product_id=product.id, position=position)
        )
    session.flush()
    return collection


def make_paid_order(
    session: Session,
    buyer: User,
    items: list[tuple[Product, int]],
    *,
    currency: str = "KES",
    rate: Fraction = Fraction(1),
    markup: Fraction = Fraction(5, 4),
    share: Fraction = Fraction(9, 10),
    commission: Fraction = Fraction(1, 20),
    shipping_minor: int = 0,
    provider: str = "stripe",
    line_status: LineStatus = LineStatus.PAID,
) -> Order:
    """A paid order written straight to the tables, with numbers that add up.

    ``rate`` converts artisan minor units to order minor units (e.g. KES cents → USD cents);
    the buyer pays ``price × markup × rate`` (rounded up) per piece; the artisan's share and
    the mentor's commission (only if the artisan has a mentor) are fractions of her price;
    payout cost is their sum at ``rate``, rounded up, so it never exceeds the line total.
    """
    n = next(_counter)
    now = datetime.now(UTC)
    order = Order(
        code=f"T{n:05d}",
        buyer_user_id=buyer.id,
        channel=Channel.CONSOLE,
        status=OrderStatus.PAID,
        currency=currency,
        subtotal_minor=0,
        shipping_minor=shipping_minor,
        total_minor=shipping_minor,
        payment_provider=provider,
        payment_ref=f"pay-{n}",
        paid_at=now,
    )
    for product, quantity in items:
        artisan = session.get(Artisan, product.artisan_id)
        assert artisan is not None
        assert product.price_minor is not None
        price = product.price_minor * quantity
        artisan_share = math.floor(price * share)
        mentor_commission = math.floor(price * commission) if artisan.mentor_id else 0
        unit_price = math.ceil(product.price_minor * markup * rate)
        order.lines.append(
            OrderLine(
                product_id=product.id,
                artisan_id=artisan.id,
                title=product.title,
                quantity=quantity,
                unit_price_minor=unit_price,
                line_total_minor=unit_price * quantity,
                artisan_currency=product.currency,
                artisan_share_minor=artisan_share,
                mentor_id=artisan.mentor_id,
                mentor_commission_minor=mentor_commission,
                payout_cost_minor=math.ceil((artisan_share + mentor_commission) * rate),
                status=line_status,
            )
        )
    order.subtotal_minor = sum(line.line_total_minor for line in order.lines)
    order.total_minor = order.subtotal_minor + shipping_minor
    session.add(order)
    session.flush()
    return order


def deliver_order(session: Session, order: Order, now: datetime) -> None:
    """Her lines sent and the buyer saying the parcel arrived, through the services people
    use: each artisan accepts and ships her piece, the buyer confirms (`mark_delivered`,
    whose event releases the shares)."""
    from store.services import delivery, fulfilment

    for line in order.lines:
        seller = session.get_one(Artisan, line.artisan_id)
        if line.status == LineStatus.PAID:
            fulfilment.accept_line(session, seller.user_id, line.id, now)
        fulfilment.ship_line(session, seller.user_id, line.id, now)
    delivery.mark_delivered(session, order.id, now, by=order.buyer_user_id)
