"""The artisans' morning reminder: paid orders she has not yet marked ready, each piece's
next step as a button (as on the new-order notice).

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
from conversations.line_moves import move_choices
from conversations.messages import Outbound
from conversations.notify.pieces import cover_image
from conversations.notify.templates import UtilityTemplate
from store.models import Artisan, LineStatus, Order, OrderLine, OrderStatus, User
from store.uow import UnitOfWorkFactory

MIN_WAITING = timedelta(hours=12)
NOT_READY = (LineStatus.PAID, LineStatus.ACCEPTED)
MAX_CHOICES = 10

ORDERS_WAITING = N_(
    "Good morning, {name}! These paid orders are waiting for you to make them ready: "
    "{orders}. Send menu, then choose “Orders to send”."
)
ORDER_ITEM = N_("{code} ({titles})")


def remind_artisans(
    uow_factory: UnitOfWorkFactory, now: datetime, zone: ZoneInfo, *, at_hub: bool = False
) -> list[int]:
    """Remind each artisan with paid orders not marked ready; the artisans reminded today by
    this run (a second run the same day reminds nobody). `at_hub`: the shop's pieces go
    through the hub, where she has no step but accepting (no "Mark shipped" button)."""
    day = local_day(now, zone)
    reminded: list[int] = []
    with uow_factory() as uow:
        session = uow.session
        rows = session.execute(
            select(OrderLine, Order.code)
            .join(Order, Order.id == OrderLine.order_id)
            .where(
                OrderLine.status.in_(NOT_READY),
                Order.status == OrderStatus.PAID,
                Order.paid_at <= now - MIN_WAITING,
            )
            .order_by(OrderLine.artisan_id, Order.id, OrderLine.id)
        ).all()
        waiting: dict[int, dict[str, list[OrderLine]]] = defaultdict(dict)
        for line, code in rows:
            waiting[line.artisan_id].setdefault(code, []).append(line)
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
                t._(ORDER_ITEM).format(code=code, titles=", ".join(line.title for line in lines))
                for code, lines in waiting[artisan.id].items()
            )
            name = user.display_name.strip() or artisan.shop_name
            text = t._(ORDERS_WAITING).format(name=name, orders=orders)
            lines = [line for lines in waiting[artisan.id].values() for line in lines]
            # Her next step on each piece, as on the new-order notice (a WhatsApp list holds 10).
            choices = move_choices(t, lines, at_hub=at_hub)[:MAX_CHOICES]
            message = Outbound(
                text=text,
                image=cover_image(session, lines[0].product_id),
                choices=tuple(choices),
                template=UtilityTemplate.ORDERS_WAITING,
            )
            queued = outbox.notify(
                session,
                user.id,
                message,
                dedupe_key=key,
                now=now,
            )
            if queued is not None:
                reminded.append(artisan.id)
        uow.commit()
    return reminded
