"""Effects: calls to the outside world (Stripe, …) recorded in a unit of work and run after
its commit, outside any transaction (`store/services/effects.py`, `store/effect_runner.py`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.models.types import JSONType, created_at, int_pk, maybe_timestamp, str_enum, timestamp


class EffectStatus(StrEnum):
    PENDING = "pending"  # due at `due_at` (while claimed, `due_at` is the end of the lease)
    DONE = "done"  # ran, and its result was handled in the same unit of work as this mark
    FAILED = "failed"  # refused for good, or out of attempts: a person looks


class Effect(Base):
    __tablename__ = "effects"
    __table_args__ = (Index("ix_effects_due", "status", "due_at", "id"),)

    id: Mapped[int_pk]
    kind: Mapped[str] = mapped_column(String(64))
    # Unique: recording the same effect twice (a double tap, a step handled again) is one
    # effect. It is also the provider's idempotency key, so running it twice is one call.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[EffectStatus] = mapped_column(
        str_enum(EffectStatus, "effect_status"), default=EffectStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[timestamp]
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]
    done_at: Mapped[maybe_timestamp]
