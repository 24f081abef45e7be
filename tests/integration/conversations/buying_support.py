"""Helpers for the buyer transcripts: a seeded shop window, a buyer who has said hello, and
reads of what an artisan was told."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from conversations.outbox import outbound_of
from store.models import (
    Artisan,
    Category,
    Identity,
    OutboxMessage,
    Product,
    ProductPhoto,
    User,
)
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product
from tests.integration.conversations.conftest import Chat
from tests.said import things_said

# 1,800 KES at 0.0077 USD/KES with a 40% markup: 1386 cents × 1.4 = 1940.4 → US$19.40.
COLLAR_PRICE_MINOR = 180_000
COLLAR_USD = "US$19.40"
COLLAR_USD_SW = "US$\xa019.40"  # Swahili puts a no-break space after the symbol
# The collar with a parcel of one (store/data/shipping_zones.toml): to Kenya US$4, to Germany
# (Europe) US$12.
TO_KENYA_USD = "US$23.40"
TO_KENYA_USD_SW = "US$\xa023.40"
TO_GERMANY_USD = "US$31.40"
TO_GERMANY_USD_SW = "US$\xa031.40"


@dataclass(frozen=True)
class Maker:
    artisan_id: int
    user_id: int
    platform_user_id: str


def seed_maker(
    uow_factory: UnitOfWorkFactory, name: str = "Wanjiru Kamau", *, locale: str = "sw"
) -> Maker:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session, name, locale=locale)
        artisan.shop_name = "Wanjiru Beads"
        artisan.location = "Kibera, Nairobi"
        artisan.story = "I learnt beadwork from my grandmother. " * 10
        identity = uow.session.scalars(
            select(Identity).where(Identity.user_id == artisan.user_id)
        ).one()
        maker = Maker(artisan.id, artisan.user_id, identity.platform_user_id)
        uow.commit()
    return maker


def seed_product(
    uow_factory: UnitOfWorkFactory,
    maker: Maker,
    title: str,
    *,
    price_minor: int = COLLAR_PRICE_MINOR,
    stock: int = 1,
    category: Category = Category.NECKLACE,
    materials: list[str] | None = None,
    photo_key: str | None = None,
) -> int:
    with uow_factory() as uow:
        artisan = uow.session.get(Artisan, maker.artisan_id)
        assert artisan is not None
        product = make_product(
            uow.session,
            artisan,
            title=title,
            price_minor=price_minor,
            stock=stock,
            category=category,
            materials=materials,
        )
        if photo_key:
            uow.session.add(
                ProductPhoto(
                    product_id=product.id,
                    position=0,
                    sha256="0" * 64,
                    phash="0" * 16,
                    width=800,
                    height=800,
                    keys={"large": f"{photo_key}-l", "medium": photo_key, "thumb": "t"},
                )
            )
        uow.commit()
        return product.id


def hello(chat: Chat, locale: str = "en") -> None:
    """First contact and the language chosen: the buyer is at the main menu."""
    chat.send("Hi")
    chat.tap(f"lang:{locale}")


def open_menu_entry(chat: Chat, key: str) -> list[str]:
    chat.send("menu")
    return chat.tap(f"menu:{key}")


def told(uow_factory: UnitOfWorkFactory, user_id: int) -> list[str]:
    """Everything queued for a person (notifications included), oldest first."""
    with uow_factory() as uow:
        rows = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.user_id == user_id).order_by(OutboxMessage.id)
        )
        return things_said(outbound_of(row) for row in rows)


def product(uow_factory: UnitOfWorkFactory, product_id: int) -> Product:
    with uow_factory() as uow:
        found = uow.session.get(Product, product_id)
        assert found is not None
        uow.session.expunge_all()
        return found


def user_id_of(uow_factory: UnitOfWorkFactory, chat: Chat) -> int:
    with uow_factory() as uow:
        return uow.session.scalars(
            select(User.id)
            .join(Identity, Identity.user_id == User.id)
            .where(Identity.platform_user_id == chat.platform_user_id)
        ).one()
