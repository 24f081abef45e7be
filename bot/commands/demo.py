"""`soko demo`: a fresh demo shop in a local SQLite file, no tokens needed."""

from __future__ import annotations

import argparse
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.container import Container
from bot.settings import Settings
from store.demo.seed import DemoSummary, seed_demo
from store.migrate import upgrade
from store.models import Artisan, Product, ProductStatus, User
from store.money import Money
from store.services import ledger

DEFAULT_DIR = Path("var/demo")


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo", help="build a fresh demo shop and show what it holds"
    )
    parser.add_argument(
        "--dir", type=Path, default=DEFAULT_DIR, help=f"where the demo lives ({DEFAULT_DIR})"
    )
    parser.set_defaults(handler=run)


def demo_settings(directory: Path) -> Settings:
    return Settings(
        _env_file=None,  # the demo never reads a production .env
        database_url=f"sqlite:///{directory / 'soko.db'}",
        media_dir=directory / "media",
    )


def build_demo(directory: Path, *, now: datetime) -> tuple[Container, DemoSummary]:
    """Wipe ``directory`` and build the demo shop in it."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    container = Container(demo_settings(directory))
    upgrade(container.engine)
    summary = seed_demo(container.uow_factory, container.media_store, container.pricing, now=now)
    return container, summary


def run(args: argparse.Namespace) -> int:
    container, summary = build_demo(args.dir, now=datetime.now(UTC))
    try:
        print(describe(container, summary))
    finally:
        container.close()
    return 0


def describe(container: Container, summary: DemoSummary) -> str:
    lines = [f"Demo shop ready in {container.settings.database_url}", ""]
    with container.uow_factory(read_only=True) as uow:
        session = uow.session
        lines.append("Artisans:")
        for artisan in session.scalars(select(Artisan).order_by(Artisan.id)):
            user = session.get(User, artisan.user_id)
            mentor = session.get(Artisan, artisan.mentor_id) if artisan.mentor_id else None
            balance = ledger.payable_balance(session, artisan.id)
            count = session.scalar(
                select(func.count()).select_from(Product).where(Product.artisan_id == artisan.id)
            )
            lines.append(
                f"  {artisan.shop_name} — {user.display_name if user else '?'}, {artisan.location}"
                + (f" (mentored by {mentor.shop_name})" if mentor else f" ({artisan.status.value})")
                + f"): {count} pieces, owed {balance.format('en')}"
            )
        lines.append("")
        counted = session.execute(select(Product.status, func.count()).group_by(Product.status))
        by_status: dict[ProductStatus, int] = dict(counted.all())
        lines.append(
            "Pieces: "
            + ", ".join(f"{by_status.get(s, 0)} {s.value.replace('_', ' ')}" for s in ProductStatus)
        )
        for product in session.scalars(
            select(Product).where(Product.status == ProductStatus.ACTIVE).order_by(Product.id)
        ).all()[:5]:
            price = Money(product.price_minor or 0, product.currency)
            quote = container.pricing.quote_line(price, 1, has_mentor=False)
            lines.append(
                f"  {product.title}: artisan receives {price.format('en')},"
                f" buyer pays {quote.unit_price.format('en')}"
            )
        lines.append("  …")
    lines += [
        "",
        f"Wanjiru's referral code: {summary.referral_code}",
        f"A paid order to fulfil: {summary.order_code}",
        f"Listings waiting for the community manager: {summary.pending_review}",
        f"People: {', '.join(summary.users)}",
    ]
    return "\n".join(lines)
