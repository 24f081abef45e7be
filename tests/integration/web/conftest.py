"""A web app on the test database (both backends), with a small public shop in it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from bot.container import Container
from bot.settings import Settings
from bot.web import create_app
from store.models import Artisan, Collection, Product, ProductPhoto, ProductStatus
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_collection, make_product

BASE_URL = "https://soko.test"
BOT_USERNAME = "SokoTestBot"
WHATSAPP_NUMBER = "+14155238886"
SHA = "ab" * 32


def make_container(engine: Engine, media_dir: Path, **settings: object) -> Container:
    url = engine.url.render_as_string(hide_password=False)
    values: dict[str, object] = {
        "database_url": url,
        "media_dir": media_dir,
        "public_base_url": BASE_URL,
        "telegram_bot_username": BOT_USERNAME,
        "twilio_whatsapp_from": f"whatsapp:{WHATSAPP_NUMBER}",
        **settings,
    }
    return Container(Settings(_env_file=None, **values))  # type: ignore[call-arg]


@dataclass
class Shop:
    artisan: Artisan
    product: Product
    sold_out: Product
    draft: Product
    collection: Collection


def add_photo(uow_factory: UnitOfWorkFactory, product_id: int, sha: str = SHA) -> None:
    """A 2000×1500 photo's stored sizes (keys only; the pages never read the files)."""
    with uow_factory() as uow:
        uow.session.add(
            ProductPhoto(
                product_id=product_id,
                position=0,
                sha256=sha,
                phash="0" * 16,
                width=2000,
                height=1500,
                keys={size: f"{sha}/{size}.jpg" for size in ("large", "medium", "thumb")},
            )
        )
        uow.commit()


@pytest.fixture
def shop(uow_factory: UnitOfWorkFactory) -> Shop:
    with uow_factory() as uow:
        session = uow.session
        artisan = make_artisan(session, "Wanjiru Kamau")
        artisan.shop_name = "Wanjiru's <Beads> & Brass"
        artisan.story = 'I learnt from my mother. "Shanga" means beads.'
        product = make_product(
            session,
            artisan,
            title="Maasai <collar>",
            price_minor=650_000,
            stock=2,
            materials=["glass beads", "brass"],
            description="Seven rows & a brass clasp.",
        )
        sold_out = make_product(
            session, artisan, title="Sold bangle", status=ProductStatus.SOLD_OUT
        )
        draft = make_product(session, artisan, title="Secret draft", status=ProductStatus.DRAFT)
        collection = make_collection(session, [product], title="Kenya Collection")
        collection.description = "Pieces from Nairobi."
        uow.commit()
        for row in (artisan, product, sold_out, draft, collection):
            session.refresh(row)
        session.expunge_all()
    add_photo(uow_factory, product.id)
    return Shop(artisan, product, sold_out, draft, collection)


@pytest.fixture
def container(engine: Engine, tmp_path: Path) -> Iterator[Container]:
    built = make_container(engine, tmp_path / "media")
    yield built
    built.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    app = create_app(container)
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as test_client:
        yield test_client
