"""Carts, orders with their lines, and the payment events that move orders along."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base
from store.models.people import Channel
from store.models.types import (
    JSONType,
    created_at,
    currency_code,
    int_pk,
    maybe_timestamp,
    minor_units,
    str_enum,
    timestamp,
)


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REFUNDED = "refunded"


class LineStatus(StrEnum):
    PENDING = "pending"  # not paid yet
    PAID = "paid"  # waiting for the artisan
    ACCEPTED = "accepted"
    READY = "ready"
    AT_HUB = "at_hub"  # received at the Soko hub (hub mode), waiting for a manager's check
    PASSED = "passed"  # matches its photos and the standards: goes in the order's parcel
    RETURNED = "returned"  # given back to her with a reason: brought again, or refunded
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class Cart(Base):
    __tablename__ = "carts"

    id: Mapped[int_pk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    updated_at: Mapped[timestamp]
    nudged_at: Mapped[maybe_timestamp]

    items: Mapped[list[CartItem]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", order_by="CartItem.id"
    )


class CartItem(Base):
    __tablename__ = "cart_items"
    __table_args__ = (
        UniqueConstraint("cart_id", "product_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int_pk]
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)

    cart: Mapped[Cart] = relationship(back_populates="items")


class CartRemoval(Base):
    """A piece Soko took out of a buyer's cart (its shop was suspended): she is told when she
    next looks at her cart, and the row goes."""

    __tablename__ = "cart_removals"

    id: Mapped[int_pk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    removed_at: Mapped[timestamp]


class Order(Base):
    """What a buyer ordered. Money is in the store currency (``currency``)."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("subtotal_minor >= 0", name="subtotal_non_negative"),
        CheckConstraint("shipping_minor >= 0", name="shipping_non_negative"),
        CheckConstraint("total_minor = subtotal_minor + shipping_minor", name="total_adds_up"),
        Index("ix_orders_expiry", "status", "reserved_until"),
        Index("ix_orders_buyer", "buyer_user_id", "id"),
    )

    id: Mapped[int_pk]
    code: Mapped[str] = mapped_column(String(16), unique=True)
    buyer_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    status: Mapped[OrderStatus] = mapped_column(
        str_enum(OrderStatus, "order_status"), default=OrderStatus.PENDING_PAYMENT
    )
    currency: Mapped[currency_code]
    subtotal_minor: Mapped[minor_units]
    shipping_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_minor: Mapped[minor_units]
    shipping_name: Mapped[str] = mapped_column(String(120), default="")
    shipping_address: Mapped[str] = mapped_column(Text, default="")
    shipping_country: Mapped[str] = mapped_column(String(2), default="")  # ISO 3166-1 alpha-2
    payment_provider: Mapped[str] = mapped_column(String(32), default="")
    payment_ref: Mapped[str | None] = mapped_column(String(255), unique=True)
    # How she chose to pay ("card", "mpesa"; "" = no choice: the first provider serving it).
    payment_method: Mapped[str] = mapped_column(String(16), default="", server_default="")
    payer_phone: Mapped[str | None] = mapped_column(String(20))  # E.164: the number to charge
    reserved_until: Mapped[maybe_timestamp]
    created_at: Mapped[created_at]
    paid_at: Mapped[maybe_timestamp]
    closed_at: Mapped[maybe_timestamp]

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )


class OrderLine(Base):
    """A copy of what was bought, at the price of that moment.

    ``unit_price_minor``/``line_total_minor``/``payout_cost_minor`` are in the order's currency;
    the artisan's share and the mentor's commission are fixed here in the artisan's currency.
    """

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_minor > 0", name="unit_price_positive"),
        CheckConstraint("line_total_minor = unit_price_minor * quantity", name="line_adds_up"),
        CheckConstraint("artisan_share_minor >= 0", name="share_non_negative"),
        CheckConstraint("mentor_commission_minor >= 0", name="commission_non_negative"),
        CheckConstraint(
            "payout_cost_minor >= 0 AND payout_cost_minor <= line_total_minor",
            name="payout_cost_within_total",
        ),
        Index("ix_order_lines_artisan_status", "artisan_id", "status", "id"),
    )

    id: Mapped[int_pk]
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    artisan_id: Mapped[int] = mapped_column(ForeignKey("artisans.id"))
    title: Mapped[str] = mapped_column(String(80))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[minor_units]
    line_total_minor: Mapped[minor_units]
    artisan_currency: Mapped[currency_code]
    artisan_share_minor: Mapped[minor_units]
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("artisans.id"))
    mentor_commission_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # What share + commission cost in the order's currency at the purchase's rate; the rest of
    # the line total is the platform's fee. Lets the ledger balance in each currency exactly.
    payout_cost_minor: Mapped[minor_units]
    status: Mapped[LineStatus] = mapped_column(
        str_enum(LineStatus, "line_status"), default=LineStatus.PENDING
    )
    # Why a manager gave it back at the hub (the artisan is told); "" when never returned.
    return_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("parcels.id"), index=True)
    updated_at: Mapped[timestamp]

    order: Mapped[Order] = relationship(back_populates="lines")


class Parcel(Base):
    """What went to the buyer in one box: the carrier and its tracking number, recorded once
    by whoever sent it (a manager at the hub, or the artisan herself in direct mode)."""

    __tablename__ = "parcels"

    id: Mapped[int_pk]
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    carrier: Mapped[str] = mapped_column(String(40))  # as named: "DHL", "Posta Kenya", "Aramex"
    tracking_number: Mapped[str] = mapped_column(String(64))
    shipped_at: Mapped[timestamp]
    recorded_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class PaymentEvent(Base):
    """Every provider event, recorded once: a second delivery finds the row and stops."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int_pk]
    provider: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    received_at: Mapped[created_at]
    processed_at: Mapped[maybe_timestamp]
