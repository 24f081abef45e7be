"""The abandoned-cart nudge: one reminder per cart, to people who did not opt out.

A cart is nudged once: `Cart.nudged_at` is set by a conditional update in the same unit of
work as the message. A cart changed after its nudge (something added, a quantity changed) is a
new cart and may be nudged once more. It is nudged after `IDLE` without a change, only where
the person may be written to unasked, as her channel's capabilities say: only on a channel
that reminds (console and web chats are sessions at a screen, not someone to remind), inside
its free-write window where it has one (WhatsApp's 24 hours: a nudge is not worth a template),
and only while the cart is younger than the channel's `reminder_max_age` (Telegram, which has
no window: three days) so nobody hears about a cart from last month.
`stop` / `acha` opts out (`nudge_settings`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from conversations import outbox
from conversations.capabilities import Capabilities
from conversations.i18n import N_, Translator
from conversations.messages import Outbound
from conversations.reach import may_write_freely
from store.models import Artisan, Cart, CartItem, Product, ProductStatus, User
from store.rowcount import rows_matched
from store.services.open_shops import SHOP_OPEN
from store.uow import UnitOfWorkFactory

IDLE = timedelta(hours=3)
MAX_TITLES = 3

CART_WAITING = N_(
    "You left {items} in your cart. Handmade pieces are often one of a kind: send menu and "
    "open your cart to order before someone else does. (Send STOP for no more reminders.)"
)
AND_MORE = N_("{items} and more")


def nudge_abandoned_carts(
    uow_factory: UnitOfWorkFactory, now: datetime, capabilities: Capabilities
) -> list[int]:
    """Nudge every cart due a nudge; the ids of the people nudged by this run."""
    nudged: list[int] = []
    with uow_factory() as uow:
        session = uow.session
        has_items = exists().where(CartItem.cart_id == Cart.id)
        candidates = session.execute(
            select(Cart, User)
            .join(User, User.id == Cart.user_id)
            .where(
                Cart.updated_at <= now - IDLE,
                or_(Cart.nudged_at.is_(None), Cart.nudged_at < Cart.updated_at),
                User.nudges_opted_out.is_(False),
                has_items,
            )
            .order_by(Cart.id)
        ).all()
        for cart, user in candidates:
            if _nudge(session, cart, user, now, capabilities):
                nudged.append(user.id)
        uow.commit()
    return nudged


def _nudge(
    session: Session, cart: Cart, user: User, now: datetime, capabilities: Capabilities
) -> bool:
    identity = outbox.reachable_identity(session, user.id)
    if identity is None:
        return False
    can = capabilities.of(identity.channel)
    if not can.reminds:
        return False
    if not may_write_freely(identity, now, can):
        return False  # outside the channel's window, or a person who blocked the bot
    if can.reminder_max_age is not None and cart.updated_at < now - can.reminder_max_age:
        return False
    titles = _titles_for_sale(session, cart.id)
    if not titles:
        return False  # everything in it sold meanwhile: nothing to come back for
    claimed = session.execute(
        update(Cart)
        .where(
            Cart.id == cart.id,
            Cart.updated_at == cart.updated_at,
            or_(Cart.nudged_at.is_(None), Cart.nudged_at < Cart.updated_at),
        )
        .values(nudged_at=now)
        .execution_options(synchronize_session=False)
    )
    if not rows_matched(claimed):
        return False  # changed or nudged by a concurrent run
    t = Translator(user.locale)
    items = ", ".join(titles[:MAX_TITLES])
    if len(titles) > MAX_TITLES:
        items = t._(AND_MORE).format(items=items)
    outbox.enqueue(
        session,
        user.id,
        identity.channel,
        identity.platform_user_id,
        Outbound(text=t._(CART_WAITING).format(items=items)),
        dedupe_key=f"nudge:cart:{cart.id}:{cart.updated_at.isoformat()}",
        now=now,
    )
    return True


def _titles_for_sale(session: Session, cart_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Product.title)
            .join(CartItem, CartItem.product_id == Product.id)
            .join(Artisan, Artisan.id == Product.artisan_id)
            .where(
                CartItem.cart_id == cart_id,
                Product.status == ProductStatus.ACTIVE,
                Product.stock_on_hand > Product.stock_reserved,
                SHOP_OPEN,
            )
            .order_by(CartItem.id)
        )
    )
