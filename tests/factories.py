"""Small builders for test data, written straight to the models (no service rules applied).

Each takes a session and flushes, so ids are available; the caller commits.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from store.models import (
    Artisan,
    ArtisanStatus,
    Category,
    Channel,
    Collection,
    CollectionProduct,
    Identity,
    Product,
    ProductStatus,
    Role,
    User,
    UserRole,
)

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
    product = Product(
        artisan_id=artisan.id,
        slug=f"piece-{n}",
        title=title or f"Piece {n}",
        description=description,
        category=category,
        materials=materials if materials is not None else ["glass beads", "brass"],
        price_minor=price_minor,
        currency="KES",
        stock_on_hand=stock,
        status=status,
        submitted_at=now if status != ProductStatus.DRAFT else None,
        approved_at=now if status in (ProductStatus.ACTIVE, ProductStatus.SOLD_OUT) else None,
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
