"""What people are told when a shop is suspended, besides the artisan herself
(`notify.roles.shop_notice`): each buyer whose unpaid order was cancelled for it, and every
community manager when the artisan appeals. Written to the outbox in the unit of work that
made it so (sent only once it is kept), each in its reader's language, once (dedupe keys)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations import outbox
from conversations.i18n import N_, Translator
from conversations.messages import Outbound
from conversations.notify.delivery import community_managers
from conversations.notify.orders import ITEM
from conversations.payloads import Payload
from store.models import Artisan, Order, OrderLine, OutboxMessage, User

# The suspension notice's button, and her menu's entry while her shop is suspended.
APPEAL = N_("Appeal the suspension")


@dataclass(frozen=True)
class AppealTap(Payload, tag="apl"):
    """The suspension notice's "Appeal" button: it opens the appeal question from any message,
    and words she sends in answer to the notice are offered back as her appeal
    (`flows.appeal`, `notice_choices.notice_taking_words`)."""


ORDER_CANCELLED = N_(
    "Sorry: your order {code} was cancelled, because a shop in it is no longer selling on "
    "Soko: {items}. Nothing more is asked of you. If a payment for it still goes through, "
    "the money will be sent back to you. Send menu to find other pieces."
)
OTHERS_STILL_FOR_SALE = N_(
    "The other pieces of that order are still for sale: {items}. To order them, add them to "
    "your cart again."
)
APPEAL_HEARD = N_(
    "{name} of the shop {shop} appeals her suspension (reason given: “{reason}”). Her "
    "words: “{words}”. To reinstate the shop: send menu, choose “People” and type {shop}."
)


def tell_buyers_cancelled(
    session: Session, cancelled: list[Order], artisan_id: int, now: datetime
) -> None:
    """Each buyer of an unpaid order the suspension of shop `artisan_id` cancelled, in her
    language: its pieces of that shop, and the other shops' pieces still for sale (the
    order took them out of her cart)."""
    for order in cancelled:
        buyer = session.get(User, order.buyer_user_id)
        if buyer is None:
            continue
        t = Translator(buyer.locale)

        def items(lines: list[OrderLine], t: Translator = t) -> str:
            return ", ".join(
                t._(ITEM).format(quantity=line.quantity, title=line.title) for line in lines
            )

        hers = [line for line in order.lines if line.artisan_id == artisan_id]
        others = [line for line in order.lines if line.artisan_id != artisan_id]
        text = t._(ORDER_CANCELLED).format(code=order.code, items=items(hers))
        if others:
            text = f"{text}\n{t._(OTHERS_STILL_FOR_SALE).format(items=items(others))}"
        key = f"order:{order.id}:suspended:{buyer.id}"
        outbox.notify(session, buyer.id, Outbound(text=text), dedupe_key=key, now=now)


def tell_managers_appeal(
    session: Session, artisan: Artisan, reason: str, words: str, appeal_id: str, now: datetime
) -> int:
    """Every community manager (but the artisan, should she be one) told of her appeal; how
    many were told."""
    told = 0
    name = artisan.user.display_name.strip() or artisan.shop_name
    for manager in community_managers(session):
        if manager.id == artisan.user_id:
            continue
        t = Translator(manager.locale)
        text = t._(APPEAL_HEARD).format(
            name=name, shop=artisan.shop_name, reason=reason or "—", words=words
        )
        key = f"appeal:{appeal_id}:{manager.id}"
        outbox.notify(session, manager.id, Outbound(text=text), dedupe_key=key[:200], now=now)
        told += 1
    return told


def appeals_sent(session: Session, appeal_prefix: str) -> set[str]:
    """The appeals whose id starts with `appeal_prefix` (hers, of one day) that reached a
    community manager: the rest of each id after the prefix."""
    keys = session.scalars(
        select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.like(f"appeal:{appeal_prefix}%")
        )
    )
    start = len(f"appeal:{appeal_prefix}")
    return {key[start:].rsplit(":", 1)[0] for key in keys if key is not None}
