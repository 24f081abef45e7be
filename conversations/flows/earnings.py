"""My earnings: what the shop owes her, the latest money in and out, her M-Pesa payouts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import select

from conversations.flow import (
    END,
    Flow,
    FlowRegistry,
    MenuEntry,
    MenuGroup,
    StepContext,
    StepResult,
    with_role,
)
from conversations.flows.my_shop import current_artisan, local_date
from conversations.i18n import N_
from store import shipping_zones
from store.models import Artisan, LineStatus, OrderLine, Payout, Role, TransactionKind
from store.money import Money
from store.phones import shown_phone
from store.services import ledger
from store.services.ledger import StatementLine

FLOW: Final = "earnings"
RECENT: Final = 8
PAYOUTS: Final = 5

MENU_LABEL = N_("My earnings")
BALANCE = N_("Ready to be paid to you: {amount}")
PENDING = N_("On the way to buyers: {amount}")
PENDING_LINE = N_("• {title}: {amount}, yours when the buyer receives it")
PENDING_COMMISSION = N_("• Mentor commission, order {code}: {amount}, when the buyer receives it")
PENDING_SHIPPED_LINE = N_(
    "• {title}: {amount}, yours when the buyer receives it, by {date} at the latest"
)
PENDING_SHIPPED_COMMISSION = N_(
    "• Mentor commission, order {code}: {amount}, when the buyer receives it, by {date} at the "
    "latest"
)
MORE_PENDING = N_("• … and {count} more")
RECENT_HEAD = N_("Latest:")
NOTHING_YET = N_("No sales yet. When a buyer pays for your piece, your share shows here.")
SALE = N_("Sale: {title}")
RELEASE = N_("Received by the buyer: {title}")
COMMISSION = N_("Mentor commission: order {code}")
REFUND = N_("Refund: {title}")
PAYOUT = N_("Paid to you by M-Pesa ({reference})")
ADJUSTMENT = N_("Correction")
ENTRY = N_("• {date} — {what}: {amount}")
PAYOUTS_HEAD = N_("Payouts to you:")
PAYOUT_LINE = N_("• {date} — {amount}, M-Pesa {reference}")
WHEN_PAID = N_(
    "Your share of a sale is ready to be paid once the buyer receives the piece. Our team "
    "sends what is ready to your M-Pesa number {phone}, usually once a week, and each payout "
    "shows its M-Pesa code."
)
NO_PHONE = N_("(no M-Pesa number yet)")


def start(ctx: StepContext, arg: str) -> StepResult:
    artisan = current_artisan(ctx)
    locale = ctx.user.locale
    owed = ledger.payable_balance(ctx.session, artisan.id, ctx.market.config.artisan_currency)
    text = [ctx._(BALANCE).format(amount=owed.format(locale))]
    text += _pending(ctx, artisan)
    statement = _statement(ctx, artisan)
    if statement:
        text.append("")
        text.append(ctx._(RECENT_HEAD))
        text += [
            ctx._(ENTRY).format(
                date=local_date(ctx, row.line.created_at),
                what=_what(ctx, artisan, row),
                amount=row.line.amount.format(locale),
            )
            for row in statement
        ]
    else:
        text.append(ctx._(NOTHING_YET))
    payouts = _payouts(ctx, artisan)
    if payouts:
        text.append("")
        text.append(ctx._(PAYOUTS_HEAD))
        text += [
            ctx._(PAYOUT_LINE).format(
                date=local_date(ctx, payout.created_at),
                amount=Money(payout.amount_minor, payout.currency).format(locale),
                reference=payout.mpesa_reference or "—",
            )
            for payout in payouts
        ]
    text.append("")
    phone = shown_phone(artisan.mpesa_phone) if artisan.mpesa_phone else ctx._(NO_PHONE)
    text.append(ctx._(WHEN_PAID).format(phone=phone))
    ctx.say("\n".join(text))
    return StepResult(END)


def _pending(ctx: StepContext, artisan: Artisan) -> list[str]:
    """Her money paid for and not received by buyers yet, piece by piece."""
    locale = ctx.user.locale
    currency = ctx.market.config.artisan_currency
    shares = [
        share
        for share in ledger.pending_shares(ctx.session, artisan.id)
        if share.amount.currency == currency
    ]
    if not shares:
        return []
    total = ledger.pending_balance(ctx.session, artisan.id, currency)
    text = [ctx._(PENDING).format(amount=total.format(locale))]
    for share in shares[:RECENT]:
        amount = share.amount.format(locale)
        line = share.line
        due = _payable_by(line)
        if due is None:
            template = PENDING_COMMISSION if share.as_mentor else PENDING_LINE
            date = ""
        else:
            template = PENDING_SHIPPED_COMMISSION if share.as_mentor else PENDING_SHIPPED_LINE
            date = local_date(ctx, due)
        text.append(
            ctx._(template).format(title=line.title, code=line.order.code, amount=amount, date=date)
        )
    if len(shares) > RECENT:
        text.append(ctx._(MORE_PENDING).format(count=len(shares) - RECENT))
    return text


def _payable_by(line: OrderLine) -> datetime | None:
    """When a shipped line counts as received at the latest: shipped (its `updated_at` while
    shipped, as delivery reads it) plus its destination's time. None while not shipped."""
    if line.status is not LineStatus.SHIPPED:
        return None
    shipped = line.updated_at
    if shipped.tzinfo is None:  # SQLite gives times back without their zone; all are UTC
        shipped = shipped.replace(tzinfo=UTC)
    return shipped + shipping_zones.zone_for(line.order.shipping_country).auto_delivered_after


@dataclass(frozen=True, slots=True)
class _Row:
    line: StatementLine
    as_mentor: bool  # her commission on a recruit's sale, not her own sale


def _statement(ctx: StepContext, artisan: Artisan) -> list[_Row]:
    """Her latest entries as seller and as mentor, newest first."""
    rows: dict[tuple[int, bool], _Row] = {}
    accounts = (
        (False, ledger.artisan_account(artisan.id)),
        (True, ledger.mentor_account(artisan.id)),
    )
    for as_mentor, account in accounts:
        for line in ledger.recent_entries(ctx.session, account, RECENT):
            # A payout may draw on both accounts: it is one M-Pesa payment, shown once.
            mentor_row = as_mentor and line.kind is not TransactionKind.PAYOUT
            key = (line.transaction_id, mentor_row)
            known = rows.get(key)
            if known is not None:
                line = replace(known.line, amount=known.line.amount + line.amount)
            rows[key] = _Row(line, mentor_row)
    ordered = sorted(
        rows.values(), key=lambda row: (row.line.created_at, row.line.transaction_id), reverse=True
    )
    return ordered[:RECENT]


def _what(ctx: StepContext, artisan: Artisan, row: _Row) -> str:
    line = row.line
    if row.as_mentor:
        return ctx._(COMMISSION).format(code=_order_code(line.memo))
    match line.kind:
        case TransactionKind.SALE:
            return ctx._(SALE).format(title=_titles(ctx, artisan, line.order_id))
        case TransactionKind.RELEASE:
            return ctx._(RELEASE).format(title=_titles(ctx, artisan, line.order_id))
        case TransactionKind.REFUND:
            return ctx._(REFUND).format(title=_titles(ctx, artisan, line.order_id))
        case TransactionKind.PAYOUT:
            reference = line.memo.removeprefix("M-Pesa ").strip()
            return ctx._(PAYOUT).format(reference=reference)
    return ctx._(ADJUSTMENT)


def _order_code(memo: str) -> str:
    """The order code in a ledger memo ("order K7Q2", "refund order K7Q2 line 9")."""
    words = memo.split()
    return words[words.index("order") + 1] if "order" in words[:-1] else "—"


def _titles(ctx: StepContext, artisan: Artisan, order_id: int | None) -> str:
    if order_id is None:
        return "—"
    titles = ctx.session.scalars(
        select(OrderLine.title)
        .where(OrderLine.order_id == order_id, OrderLine.artisan_id == artisan.id)
        .order_by(OrderLine.id)
    ).all()
    return ", ".join(titles) or "—"


def _payouts(ctx: StepContext, artisan: Artisan) -> list[Payout]:
    return list(
        ctx.session.scalars(
            select(Payout)
            .where(Payout.artisan_id == artisan.id)
            .order_by(Payout.created_at.desc(), Payout.id.desc())
            .limit(PAYOUTS)
        )
    )


def register(registry: FlowRegistry) -> None:
    registry.add(Flow(FLOW, {}, start))
    registry.add_menu_entry(
        MenuEntry("earn", MENU_LABEL, FLOW, MenuGroup.SELLING, 4, visible=with_role(Role.ARTISAN))
    )
