"""Conversation state, and the inbox / outbox that make chat updates durable."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.models.people import Channel
from store.models.types import (
    JSONType,
    created_at,
    int_pk,
    maybe_timestamp,
    str_enum,
    timestamp,
)


class InboxStatus(StrEnum):
    # Recorded, but its photos are still being fetched from the platform: nothing of this
    # person's may be handled until they are in (their messages must keep their order).
    AWAITING_MEDIA = "awaiting_media"
    RECEIVED = "received"
    HANDLED = "handled"
    # Hit a bug: the person was answered and her flow reset; parked for an operator, never
    # retried automatically (`soko admin failed`).
    FAILED = "failed"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    HELD = "held"  # cannot go out yet (WhatsApp window closed, no template): sent on next contact
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


class ConversationState(Base):
    __tablename__ = "conversation_states"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    flow: Mapped[str] = mapped_column(String(40), default="")
    step: Mapped[str] = mapped_column(String(40), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[timestamp]


class InboxMessage(Base):
    """An update from a channel, recorded before the platform is told it arrived."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "platform_id"),
        Index("ix_inbox_pending", "status", "id"),
    )

    id: Mapped[int_pk]
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    platform_id: Mapped[str] = mapped_column(String(128))
    platform_user_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[InboxStatus] = mapped_column(
        str_enum(InboxStatus, "inbox_status"), default=InboxStatus.RECEIVED
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[created_at]
    handled_at: Mapped[maybe_timestamp]  # or, for a row parked as failed, when it failed
    # After a transient failure: not retried before this time (None: due now).
    retry_at: Mapped[maybe_timestamp]


class OutboxMessage(Base):
    """A message to deliver; written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at", "id"),
        Index("ix_outbox_recipient", "channel", "platform_user_id", "status"),
    )

    id: Mapped[int_pk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    platform_user_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Which utility template may carry it outside WhatsApp's 24-hour window ("" = none).
    template: Mapped[str] = mapped_column(String(64), default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[timestamp]
    platform_message_id: Mapped[str | None] = mapped_column(String(128), index=True)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]
    sent_at: Mapped[maybe_timestamp]
