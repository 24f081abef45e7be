"""Helpers for the scheduled-job tests: a container on the test database, and what a person
was told."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.container import Container
from bot.settings import Settings
from store.models import Channel, Identity, OutboxMessage, User
from store.uow import UnitOfWorkFactory


def container_on(engine: Engine, tmp_path: Path, **settings: Any) -> Container:
    return Container(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=engine.url.render_as_string(hide_password=False),
            media_dir=tmp_path / "media",
            **settings,
        )
    )


def stripe_settings() -> dict[str, Any]:
    return {
        "stripe_secret_key": SecretStr("sk_test_x"),
        "stripe_api_base_url": "http://127.0.0.1:9",
    }


def told(uow_factory: UnitOfWorkFactory, user_id: int) -> list[OutboxMessage]:
    """Every outbox row for the person, oldest first."""
    with uow_factory(read_only=True) as uow:
        return list(
            uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.user_id == user_id)
                .order_by(OutboxMessage.id)
            )
        )


def texts(uow_factory: UnitOfWorkFactory, user_id: int) -> list[str]:
    return [str(row.payload["text"]) for row in told(uow_factory, user_id)]


NAIROBI = ZoneInfo("Africa/Nairobi")
# Monday 2 March 2026, 09:00 in Nairobi.
MONDAY_9AM = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def reach_on(
    session: Session,
    user: User,
    channel: Channel,
    *,
    last_wrote: datetime | None,
    platform_user_id: str = "",
) -> Identity:
    """Give `user` an identity on `channel` she wrote from last at `last_wrote` (so
    notifications go there)."""
    identity = Identity(
        user_id=user.id,
        channel=channel,
        platform_user_id=platform_user_id or f"{channel.value}-u{user.id}",
        last_inbound_at=last_wrote,
    )
    session.add(identity)
    session.flush()
    return identity
