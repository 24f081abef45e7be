"""Follow-ups on orders stuck on their way, each sent once (the outbox dedupe key names the
line or order and who is told):

- a piece accepted `after` ago and still not sent: its artisan is reminded; `after` later
  still not sent, the community managers are told;
- a shipped order its destination's expected time after shipping, nobody having said it
  arrived: the buyer is asked whether it did ("Received" / "Not yet").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations import outbox
from conversations.flows.delivery import RECEIVED
from conversations.hub_rules import DIRECT, HubRules, hours_text
from conversations.i18n import N_, Translator
from conversations.messages import Choice, Outbound
from conversations.notify.delivery import community_managers
from conversations.notify.orders import ITEM
from conversations.payloads import ParcelNotArrived, ParcelReceived
from store.models import Artisan, LineStatus, Order, OrderLine, OrderStatus, OutboxMessage, User
from store.services import delivery
from store.services.delivery import DeliveredAfter
from store.uow import UnitOfWorkFactory

NOT_SENT = (LineStatus.ACCEPTED, LineStatus.READY)

STILL_WAITING = N_(
    "Order {code}: you accepted {items} {days} days ago, and the buyer is still waiting. "
    "Please send it soon, or tell a community manager if something is wrong."
)
STILL_WAITING_HUB = N_(
    "Order {code}: you accepted {items} {days} days ago, and the buyer is still waiting. "
    "Please bring it to {address} soon: the hub sends it to the buyer.\nOpen: {hours}."
)
MANAGERS_STILL_WAITING = N_(
    "Order {code}: {shop} accepted {items} {days} days ago and has not sent it yet, "
    "though she was reminded. Please check with her."
)
ARRIVED_YET = N_("Has order {code} arrived? It was shipped {days} days ago.")
NOT_YET = N_("Not yet")


def remind_unsent(
    uow_factory: UnitOfWorkFactory, now: datetime, after: timedelta, hub: HubRules = DIRECT
) -> int:
    """Remind artisans of pieces accepted `after` ago and not sent (in hub mode: not brought
    to `hub`, told where and when it is open), then (`after` after her reminder) tell the
    managers; how many messages this run queued."""
    queued = 0
    with uow_factory() as uow:
        session = uow.session
        rows = session.execute(
            select(OrderLine, Order.code)
            .join(Order, Order.id == OrderLine.order_id)
            .where(
                OrderLine.status.in_(NOT_SENT),
                Order.status == OrderStatus.PAID,
                OrderLine.updated_at <= now - after,
            )
            .order_by(OrderLine.id)
        ).all()
        for line, code in rows:
            artisan = session.get_one(Artisan, line.artisan_id)
            user = session.get_one(User, artisan.user_id)
            days = (now - _aware(line.updated_at)).days
            reminder_key = f"line:{line.id}:unsent:{user.id}"
            reminded_at = _queued_at(session, reminder_key)
            if reminded_at is None:
                t = Translator(user.locale)
                text = _still_waiting(t, hub, code, line, days)
                if outbox.notify(
                    session, user.id, Outbound(text), dedupe_key=reminder_key, now=now
                ):
                    queued += 1
                continue
            if now - _aware(reminded_at) < after:
                continue
            for manager in community_managers(session):
                t = Translator(manager.locale)
                text = t._(MANAGERS_STILL_WAITING).format(
                    code=code,
                    shop=artisan.shop_name or user.display_name,
                    items=_item(t, line),
                    days=days,
                )
                key = f"line:{line.id}:unsent-managers:{manager.id}"
                if _queued_at(session, key) is None and outbox.notify(
                    session, manager.id, Outbound(text), dedupe_key=key, now=now
                ):
                    queued += 1
        uow.commit()
    return queued


def _still_waiting(t: Translator, hub: HubRules, code: str, line: OrderLine, days: int) -> str:
    if not hub.at_hub:
        return t._(STILL_WAITING).format(code=code, items=_item(t, line), days=days)
    return t._(STILL_WAITING_HUB).format(
        code=code,
        items=_item(t, line),
        days=days,
        address=hub.address,
        hours=hours_text(hub.hours, t.locale),
    )


def ask_if_arrived(
    uow_factory: UnitOfWorkFactory, now: datetime, expected: DeliveredAfter
) -> list[str]:
    """Ask each buyer whose order is past its expected time whether it arrived (once); the
    codes asked about by this run."""
    asked: list[str] = []
    with uow_factory() as uow:
        session = uow.session
        for order_id in delivery.due_for_delivery(session, now, expected):
            order = session.get_one(Order, order_id)
            buyer = session.get_one(User, order.buyer_user_id)
            key = f"order:{order.id}:arrived-yet:{buyer.id}"
            if _queued_at(session, key) is not None:
                continue
            shipped = max(
                _aware(line.updated_at) for line in order.lines if line.status == LineStatus.SHIPPED
            )
            t = Translator(buyer.locale)
            question = Outbound(
                t._(ARRIVED_YET).format(code=order.code, days=(now - shipped).days),
                choices=(
                    Choice(t._(RECEIVED), ParcelReceived(order.id).encode()),
                    Choice(t._(NOT_YET), ParcelNotArrived(order.id).encode()),
                ),
            )
            if outbox.notify(session, buyer.id, question, dedupe_key=key, now=now):
                asked.append(order.code)
        uow.commit()
    return asked


def _item(t: Translator, line: OrderLine) -> str:
    return t._(ITEM).format(quantity=line.quantity, title=line.title)


def _queued_at(session: Session, dedupe_key: str) -> datetime | None:
    return session.scalar(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.dedupe_key == dedupe_key)
    )


def _aware(moment: datetime) -> datetime:
    """SQLite hands times back without their zone; every time stored is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
