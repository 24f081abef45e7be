"""Reusable column shapes (the ``Annotated`` types the models are written with)."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Integer, String, TypeDecorator
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, on SQLite (which has no zones) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets 64-bit keys.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


def str_enum(enum_class: type[enum.Enum], name: str) -> SAEnum:
    """A VARCHAR holding the enum's values, with a CHECK constraint listing them."""
    return SAEnum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


int_pk = Annotated[int, mapped_column(BigIntPK, primary_key=True, autoincrement=True)]
created_at = Annotated[datetime, mapped_column(UTCDateTime(), nullable=False, default=utcnow)]
timestamp = Annotated[datetime, mapped_column(UTCDateTime(), nullable=False, default=utcnow)]
maybe_timestamp = Annotated[datetime | None, mapped_column(UTCDateTime(), nullable=True)]
currency_code = Annotated[str, mapped_column(String(3), nullable=False)]
minor_units = Annotated[int, mapped_column(BigInteger, nullable=False)]
json_data = Annotated[dict[str, Any], mapped_column(JSONType, nullable=False, default=dict)]
