"""Helpers for the scheduled-job tests: a container on the test database, and what a person
was told."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Engine, select

from bot.container import Container
from bot.settings import Settings
from store.models import OutboxMessage
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
