"""The artisans' morning reminder: paid orders she has not yet marked ready.

An order paid less than `MIN_WAITING` ago is left out: she was told of it when it came in.
On WhatsApp outside the 24-hour window the reminder travels as its utility template; one a day
per artisan (the dedupe key names the Nairobi date).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from conversations import outbox
from conversations.i18n import N_, Translator
from conversations.jobs.periods import local_day
from conversations.messages import Outbound
from conversations.notify.templates import UtilityTemplate
from store.models import Artisan, LineStatus, Order, OrderLine, OrderStatus, User
from store.uow import UnitOfWorkFactory

MIN_WAITING = timedelta(hours=12)
NOT_READY = (LineStatus.PAID, LineStatus.ACCEPTED)

ORDERS_WAITING = N_(
    "Good morning, {name}! These paid orders are waiting for you to make them ready: "
    "{orders}. Send menu, then choose “Orders to send”."
)
ORDER_ITEM = N_("{code} ({titles})")


def remind_artisans(uow_factory: UnitOfWorkFactory, now: datetime, zone: ZoneInfo) -> list[int]:
    """Remind each artisan with paid orders not marked ready; the artisans reminded today by
    this run (a second run the same day reminds nobody)."""
    day = local_day(now, zone)
    reminded: list[int] = []
    with uow_factory() as uow:
        session = uow.session
        rows = session.execute(
            select(OrderLine.artisan_id, Order.code, OrderLine.title)
            .join(Order, Order.id == OrderLine.order_id)
            .where(
                OrderLine.status.in_(NOT_READY),
                Order.status == OrderStatus.PAID,
                Order.paid_at <= now - MIN_WAITING,
            )
            .order_by(OrderLine.artisan_id, Order.id, OrderLine.id)
        ).all()
        waiting: dict[int, dict[str, list[str]]] = defaultdict(dict)
        for artisan_id, code, title in rows:
            waiting[artisan_id].setdefault(code, []).append(title)
        people = session.execute(
            select(Artisan, User)
            .join(User, User.id == Artisan.user_id)
            .where(Artisan.id.in_(waiting))
        ).all()
        for artisan, user in people:
            key = f"reminder:orders-waiting:{artisan.id}:{day}"
            if outbox.already_queued(session, key):
                continue
            t = Translator(user.locale)
            orders = "; ".join(
                t._(ORDER_ITEM).format(code=code, titles=", ".join(titles))
                for code, titles in waiting[artisan.id].items()
            )
            name = user.display_name.strip() or artisan.shop_name
            text = t._(ORDERS_WAITING).format(name=name, orders=orders)
            queued = outbox.notify(
                session,
                user.id,
                Outbound(text=text, template=UtilityTemplate.ORDERS_WAITING),
                dedupe_key=key,
                now=now,
            )
            if queued is not None:
                reminded.append(artisan.id)
        uow.commit()
    return reminded
