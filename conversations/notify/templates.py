"""Names of the utility templates a notification may travel as when a channel allows nothing
else (WhatsApp outside its 24-hour window). A channel adapter maps each name to what its
platform approved; a message without one waits until the person writes again."""

from __future__ import annotations

from enum import StrEnum


class UtilityTemplate(StrEnum):
    NEW_ORDER = "new_order"  # an artisan has a paid order to make ready
    ORDER_SHIPPED = "order_shipped"  # a buyer's piece is on its way
    RECRUIT_QUALIFIED = "recruit_qualified"  # a mentor's recruit now sells on her own
    ORDERS_WAITING = "orders_waiting"  # an artisan's morning reminder of paid orders to ready
    WEEKLY_SUMMARY = "weekly_summary"  # a mentor's digest, a community manager's payouts
    PAYOUT_SENT = "payout_sent"  # an artisan's money was sent to her M-Pesa
