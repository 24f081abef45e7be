"""Helpers for the listing transcripts: sellers, managers, generated photos, reading products."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from PIL import Image, ImageDraw, ImageEnhance
from sqlalchemy import select

from store.models import Identity, Product, ProductPhoto, Role
from store.services import people
from tests.integration.conversations.conftest import Chat
from tests.unit.media.images import encode

_phones = itertools.count(1)
_PHOTO = re.compile(r"^\[photo: [^\]]+\]\n", re.MULTILINE)
NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def piece_image(seed: int, width: int = 1000, height: int = 800) -> Image.Image:
    """A photo-like picture of "a piece": seeded shapes, so each seed looks different
    (perceptual hashes far apart) and none gets quality advice."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), tuple(rng.randrange(90, 200) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1, y1 = x0 + rng.randrange(40, 300), y0 + rng.randrange(40, 300)
        fill = tuple(rng.randrange(0, 256) for _ in range(3))
        draw.ellipse((x0, y0, x1, y1), fill=fill, outline=(0, 0, 0), width=3)
    return image


def photo(seed: int = 1) -> bytes:
    return encode(piece_image(seed), "JPEG", quality=90)


def dark_photo(seed: int = 1) -> bytes:
    return encode(ImageEnhance.Brightness(piece_image(seed)).enhance(0.2), "JPEG", quality=90)


def without_photo_refs(answers: list[str]) -> list[str]:
    """Answers with "[photo: <key>]" lines shown as "[photo]" (keys are content hashes)."""
    return [_PHOTO.sub("[photo]\n", answer) for answer in answers]


def send_album(chat: Chat, photos: list[bytes], group: str) -> list[list[str]]:
    """An album as Telegram delivers it: one message per photo, one media group."""
    return [
        chat.deliver(replace(chat.inbound(photos=(data,)), media_group_id=group)) for data in photos
    ]


def user_id_of(chat: Chat) -> int:
    with chat.uow_factory() as uow:
        return uow.session.execute(
            select(Identity.user_id).where(Identity.platform_user_id == chat.platform_user_id)
        ).scalar_one()


def greet(chat: Chat, swahili: bool = False) -> None:
    chat.send("Habari" if swahili else "Hi")
    chat.send("Kiswahili" if swahili else "English")


def open_shop(chat: Chat, shop_name: str = "Shanga za Wanjiku") -> int:
    """Register the chat's person as an artisan through the people service; her artisan id."""
    with chat.uow_factory() as uow:
        registration = people.register_artisan(
            uow.session,
            user_id_of(chat),
            shop_name=shop_name,
            location="Kibera, Nairobi",
            story="I make necklaces from glass beads.",
            mpesa_phone=f"0712{next(_phones):06d}",
            referral_code=None,
            now=NOW,
        )
        uow.commit()
        return registration.artisan.id


def make_manager(chat: Chat) -> int:
    user_id = user_id_of(chat)
    with chat.uow_factory() as uow:
        people.grant_role(uow.session, user_id, Role.COMMUNITY_MANAGER)
        uow.commit()
    return user_id


def seller(new_chat: Callable[..., Chat], name: str, *, swahili: bool = False) -> Chat:
    """A person who has greeted the bot and opened a shop, at the main menu."""
    chat: Chat = new_chat(name, locale_hint="sw" if swahili else "en")
    greet(chat, swahili)
    open_shop(chat, shop_name=f"{name.title()} Beads")
    chat.send("menyu" if swahili else "menu")
    return chat


def products_of(chat: Chat) -> list[Product]:
    """Her products, oldest first, detached with their photos loaded."""
    with chat.uow_factory() as uow:
        artisan = people.artisan_for_user(uow.session, user_id_of(chat))
        assert artisan is not None
        found = list(
            uow.session.scalars(
                select(Product).where(Product.artisan_id == artisan.id).order_by(Product.id)
            )
        )
        for product in found:
            _ = product.photos
        uow.session.expunge_all()
        return found


def photo_rows(chat: Chat, product_id: int) -> list[ProductPhoto]:
    with chat.uow_factory() as uow:
        rows = list(
            uow.session.scalars(
                select(ProductPhoto)
                .where(ProductPhoto.product_id == product_id)
                .order_by(ProductPhoto.position)
            )
        )
        uow.session.expunge_all()
        return rows
