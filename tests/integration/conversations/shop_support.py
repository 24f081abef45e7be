"""Helpers for the artisan-shop and review transcripts: people who already have a chat
identity, pieces with photos, paid orders, and reads of what someone was told."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from conversations.messages import Choice
from conversations.outbox import outbound_of
from store.models import (
    Artisan,
    ArtisanStatus,
    Channel,
    ConversationState,
    Identity,
    Order,
    OrderLine,
    OutboxMessage,
    Product,
    ProductPhoto,
    ProductStatus,
    Role,
    User,
)
from store.services import ledger
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_paid_order, make_product, make_user
from tests.integration.conversations.conftest import Chat
from tests.said import things_said

PHOTO_KEY = "ab" * 32 + "/medium.jpg"


@dataclass(frozen=True)
class Person:
    chat: Chat
    user_id: int
    artisan_id: int | None = None


def _identity(chat: Chat, user_id: int) -> Identity:
    return Identity(
        user_id=user_id, channel=Channel.TELEGRAM, platform_user_id=chat.platform_user_id
    )


def artisan(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    name: str,
    *,
    locale: str,
    mentor_id: int | None = None,
    status: ArtisanStatus = ArtisanStatus.MENTORED,
    shop: str = "",
) -> Person:
    chat = new_chat(name.split()[0].lower(), locale_hint=locale)
    with uow_factory() as uow:
        mentor = uow.session.get(Artisan, mentor_id) if mentor_id else None
        made = make_artisan(uow.session, name, mentor=mentor, locale=locale, status=status)
        made.shop_name = shop or f"{name.split()[0]} Beads"
        uow.session.add(_identity(chat, made.user_id))
        uow.commit()
        return Person(chat, made.user_id, made.id)


def person(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    name: str,
    *,
    locale: str,
    roles: tuple[Role, ...] = (),
) -> Person:
    chat = new_chat(name.split()[0].lower(), locale_hint=locale)
    with uow_factory() as uow:
        user = make_user(uow.session, name, locale=locale, roles=roles)
        uow.session.add(_identity(chat, user.id))
        uow.commit()
        return Person(chat, user.id)


def piece(
    uow_factory: UnitOfWorkFactory,
    maker: Person,
    title: str,
    *,
    status: ProductStatus = ProductStatus.ACTIVE,
    price_minor: int = 150_000,
    stock: int = 1,
    reserved: int = 0,
    materials: list[str] | None = None,
    photos: int = 1,
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
            status=status,
            materials=materials,
        )
        product.stock_reserved = reserved
        for position in range(photos):
            key = f"{position:02d}" * 32 + "/medium.jpg" if position else PHOTO_KEY
            uow.session.add(
                ProductPhoto(
                    product_id=product.id,
                    position=position,
                    sha256=key[:64],
                    phash="0" * 16,
                    width=800,
                    height=800,
                    keys={"medium": key},
                )
            )
        uow.commit()
        return product.id


def paid_order(
    uow_factory: UnitOfWorkFactory,
    buyer: Person,
    product_ids: list[int],
    *,
    name: str = "Jane Doe",
    address: str = "10 Downing Street, London",
    country: str = "GB",
    record_sale: bool = False,
    paid_at: datetime = datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
) -> Order:
    with uow_factory() as uow:
        buyer_user = uow.session.get(User, buyer.user_id)
        assert buyer_user is not None
        items = [(uow.session.get_one(Product, pid), 1) for pid in product_ids]
        order = make_paid_order(uow.session, buyer_user, items, currency="USD")
        order.shipping_name, order.shipping_address = name, address
        order.shipping_country, order.paid_at = country, paid_at
        if record_sale:
            ledger.record_sale(uow.session, order)
        uow.commit()
        uow.session.expunge_all()
        return order


def line_ids(uow_factory: UnitOfWorkFactory, order_id: int) -> list[int]:
    with uow_factory() as uow:
        found = uow.session.scalars(
            select(OrderLine.id).where(OrderLine.order_id == order_id).order_by(OrderLine.id)
        )
        return list(found)


def told(chat: Chat, since: int) -> list[str]:
    """What reached this person (replies and notifications) after outbox row `since`."""
    return chat.answers_since(since)


def outbox_texts(uow_factory: UnitOfWorkFactory, user_id: int) -> list[str]:
    with uow_factory() as uow:
        rows = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.user_id == user_id).order_by(OutboxMessage.id)
        )
        return things_said(outbound_of(row) for row in rows)


def forge(chat: Chat, uow_factory: UnitOfWorkFactory, user_id: int, **state: object) -> None:
    """Put the person's conversation where a forged client would claim to be: the flow, step
    and data given, with `offered` choices — as if a crafted payload got past the engine."""
    offered = [
        {"label": choice.label, "payload": choice.payload}
        for choice in state.pop("offered")  # type: ignore[attr-defined]
        if isinstance(choice, Choice)
    ]
    with uow_factory() as uow:
        row = uow.session.scalars(
            select(ConversationState).where(ConversationState.user_id == user_id)
        ).one()
        row.flow, row.step = str(state["flow"]), str(state["step"])
        row.data = {"flow_data": state.get("data", {}), "kept": {}, "offered": offered}
        uow.commit()


def product_state(uow_factory: UnitOfWorkFactory, product_id: int) -> Product:
    with uow_factory() as uow:
        product = uow.session.get_one(Product, product_id)
        uow.session.expunge(product)
        return product


def line_state(uow_factory: UnitOfWorkFactory, line_id: int) -> OrderLine:
    with uow_factory() as uow:
        line = uow.session.get_one(OrderLine, line_id)
        uow.session.expunge(line)
        return line
