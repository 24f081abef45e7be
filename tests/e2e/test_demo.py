"""`soko demo` builds a whole, consistent shop through the real services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.commands.demo import build_demo, demo_settings, describe
from bot.container import Container
from bot.demo_dir import MARKER
from store.demo import content
from store.demo.seed import DemoSummary
from store.models import (
    Artisan,
    CollectionProduct,
    LedgerEntry,
    Order,
    OrderStatus,
    Product,
    ProductPhoto,
    ProductStatus,
    Role,
    User,
)
from store.services import ledger, referrals


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Container, DemoSummary]]:
    container, summary = build_demo(tmp_path_factory.mktemp("demo") / "shop", now=datetime.now(UTC))
    yield container, summary
    container.close()


def test_demo_shop_is_complete_and_consistent(demo: tuple[Container, DemoSummary]) -> None:
    container, summary = demo
    with container.uow_factory(read_only=True) as uow:
        session = uow.session
        statuses = session.scalars(select(Product.status)).all()
        assert len(statuses) == len(content.PIECES) >= 20
        assert statuses.count(ProductStatus.PENDING_REVIEW) == summary.pending_review == 2
        assert {p.category for p in content.PIECES} == set(
            session.scalars(select(Product.category).distinct())
        )
        photos = session.scalars(select(ProductPhoto)).all()
        assert len(photos) == len(statuses)
        for photo in photos:
            for key in photo.keys.values():
                assert container.media_store.exists(key), key

        mentor = session.get(Artisan, summary.artisans["wanjiru"])
        assert mentor is not None
        assert mentor.mentor_since is not None
        recruits = referrals.recruits(session, mentor.id)
        assert {r.artisan.id for r in recruits} == {
            summary.artisans["achieng"],
            summary.artisans["amina"],
        }
        grace = session.get(User, summary.users["grace"])
        assert grace is not None
        assert grace.has_role(Role.COMMUNITY_MANAGER)
        assert session.scalar(select(func.count()).select_from(CollectionProduct)) == len(
            content.COLLECTION_PIECES
        )

        order = session.scalars(select(Order)).one()
        assert order.status == OrderStatus.PAID
        assert order.code == summary.order_code
        # Paid, not delivered yet: her share waits until the buyer receives the piece.
        pending = ledger.balance(session, ledger.pending_artisan_account(mentor.id), "KES")
        assert pending.amount == 1_800_00
        assert ledger.artisan_balance(session, mentor.id).amount == 0
        for currency in ("KES", order.currency):
            total = session.scalar(
                select(func.sum(LedgerEntry.amount_minor)).where(LedgerEntry.currency == currency)
            )
            assert total == 0


def test_soko_demo_prints_what_the_shop_holds(demo: tuple[Container, DemoSummary]) -> None:
    container, summary = demo
    out = describe(container, summary)
    assert "Wanjiru Beads" in out
    assert "(mentored by Wanjiru Beads)" in out
    assert "2 pending review" in out
    assert summary.referral_code in out
    assert summary.order_code in out


def test_soko_demo_command_starts_afresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "demo"
    directory.mkdir()
    (directory / MARKER).touch()  # a demo made it
    (directory / "soko.db").write_bytes(b"left over from last time")
    assert main(["demo", "--dir", str(directory), "--no-chat"]) == 0
    assert "Demo shop ready" in capsys.readouterr().out


def test_demo_ignores_real_accounts_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_live_must_not_be_used")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:must-not-be-used")
    monkeypatch.setenv("DATABASE_URL", "postgresql://prod.example/soko")
    settings = demo_settings(tmp_path)
    assert settings.stripe_secret_key.get_secret_value() == ""
    assert settings.telegram_bot_token.get_secret_value() == ""
    assert settings.database_url == f"sqlite:///{tmp_path / 'soko.db'}"
