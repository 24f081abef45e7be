"""The community managers' weekly payouts summary: who is owed how much (the M-Pesa payouts to
make), what was paid out in the last seven days, and the refunds still to send back by hand
(`store.services.refunds_owed`). Once per manager per ISO week."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from conversations import outbox
from conversations.i18n import N_, Translator
from conversations.jobs.periods import WEEK, local_week
from conversations.messages import Outbound
from conversations.notify.templates import UtilityTemplate
from store.models import Artisan, Role, User, UserRole
from store.money import Money, sum_money
from store.services import activity, ledger, refunds_owed
from store.services.refunds_owed import OpenRefund
from store.uow import UnitOfWorkFactory

LARGEST = 5

OWED = N_("Payouts: {count} artisans are owed {total} in all.")
NOBODY_OWED = N_("Payouts: nobody is owed anything right now.")
OWED_MOST = N_("Largest balances: {list}.")
PAID_THIS_WEEK = N_("Recorded in the last 7 days: {count} payouts, {total}.")
HOW_TO_PAY = N_("The full list: soko admin payouts.")
REFUNDS_OWED = N_(
    "Refunds to send back by hand: {count} ({list}). Once sent, close each with: "
    "soko admin refund CODE --manual REFERENCE"
)


def weekly_payouts_summary(
    uow_factory: UnitOfWorkFactory, now: datetime, zone: ZoneInfo, *, currency: str
) -> list[int]:
    """Send the summary to every community manager; the user ids told by this run."""
    week = local_week(now, zone)
    told: list[int] = []
    with uow_factory() as uow:
        session = uow.session
        owed = ledger.owed_to_artisans(session, currency)
        shops = dict(
            session.execute(
                select(Artisan.id, Artisan.shop_name).where(
                    Artisan.id.in_([artisan_id for artisan_id, _ in owed[:LARGEST]])
                )
            ).all()
        )
        paid_count, paid_total = activity.payouts_made(session, currency, now - WEEK, now)
        owed_back = refunds_owed.open_refunds(session)
        managers = session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.COMMUNITY_MANAGER)
            .order_by(User.id)
        ).all()
        for manager in managers:
            key = f"payouts-summary:{manager.id}:{week}"
            if outbox.already_queued(session, key):
                continue
            t = Translator(manager.locale)
            lines = [_owed_line(t, owed, currency, shops)]
            lines.append(
                t._(PAID_THIS_WEEK).format(count=paid_count, total=paid_total.format(t.locale))
            )
            lines.append(t._(HOW_TO_PAY))
            if owed_back:
                lines.append(_owed_back_line(t, owed_back))
            outbound = Outbound(text="\n".join(lines), template=UtilityTemplate.WEEKLY_SUMMARY)
            if outbox.notify(session, manager.id, outbound, dedupe_key=key, now=now) is not None:
                told.append(manager.id)
        uow.commit()
    return told


def _owed_line(
    t: Translator, owed: list[tuple[int, Money]], currency: str, shops: dict[int, str]
) -> str:
    if not owed:
        return t._(NOBODY_OWED)
    total = sum_money((amount for _, amount in owed), currency)
    most = ", ".join(
        f"{shops.get(artisan_id, artisan_id)} {amount.format(t.locale)}"
        for artisan_id, amount in owed[:LARGEST]
    )
    return "\n".join(
        [
            t._(OWED).format(count=len(owed), total=total.format(t.locale)),
            t._(OWED_MOST).format(list=most),
        ]
    )


def _owed_back_line(t: Translator, owed: list[OpenRefund]) -> str:
    listed = ", ".join(f"{refund.order_code} {refund.amount.format(t.locale)}" for refund in owed)
    return t._(REFUNDS_OWED).format(count=len(owed), list=listed)
