"""The small lists a manager's week leads to where no list existed: the week's reviews, the
new shops (in the People menu, each opening her card), the orders waiting at each step (in
hub mode each opening the order's hub card) and the payouts due and paid. Each is the state
now, read through `store.services.manager_week`, and ends with the way back to her week."""

from __future__ import annotations

from typing import Final

from sqlalchemy import select

from conversations.flow import StepContext, StepResult
from conversations.flows.hub_desk import HubOrder
from conversations.flows.menu import entry_payload
from conversations.flows.my_shop import local_date
from conversations.flows.people_card import Action, Tapped, menu_choice
from conversations.flows.people_find import ASK, Step, ask, at
from conversations.i18n import N_, Translator
from conversations.messages import Choice
from store.models import Artisan, Payout, ReviewDecision
from store.money import Money
from store.services import ledger, manager_week
from store.services.manager_week import NewShop, OrderStep

WEEK_KEY: Final = "week"  # the menu entry of her week (`manager_week.MENU_KEY`)
NEW_SHOPS_ARG: Final = "new"  # the People menu's start argument for this week's new shops
LISTED: Final = 10  # rows a list shows (a step's orders, reviews, payouts)
HUB_CARDS: Final = 8  # order cards offered as buttons

BACK_TO_WEEK = N_("Back to my week")
REVIEWED_HEAD = N_("Listings reviewed in the last 7 days:")
REVIEWED_APPROVED = N_("✓ approved: {title} — {shop}")
REVIEWED_REJECTED = N_("✗ not accepted: {title} — {shop}")
PIECE_GONE = N_("(a piece since deleted)")
NONE_REVIEWED = N_("No listings were reviewed in the last 7 days.")
NEW_SHOPS_HEAD = N_("New artisans in the last 7 days. Pick one to see her card:")
NO_NEW_SHOPS = N_("No new artisans in the last 7 days.")
BROUGHT_BY = N_("{shop} (brought by {mentor})")
ON_HER_OWN = N_("{shop} (came on her own)")
ORDERS_HEAD = N_("Orders waiting, by step:")
ORDERS_STEP = N_("{step} ({count}): {codes}")
NO_ORDERS = N_("No orders are waiting at any step.")
OPEN_HUB_CARD = N_("{code}: {step}")
OWED_HEAD = N_("Owed now, largest first ({total} in all):")
NOBODY_OWED = N_("Nobody is owed anything right now.")
PAID_HEAD = N_("Paid in the last 7 days ({total} in all):")
NONE_PAID = N_("No payouts in the last 7 days.")
PAID_LINE = N_("{date} · {shop}: {amount} (M-Pesa {reference})")
HOW_TO_PAY = N_(
    "Payouts are sent by the operator: soko admin payouts --send (or --record for one sent "
    "by hand)."
)

STEPS: Final = {
    OrderStep.PAYMENT: N_("for payment"),
    OrderStep.TO_ACCEPT: N_("for the artisan to accept"),
    OrderStep.AT_HUB: N_("at the hub, to be checked"),
    OrderStep.RETURNED: N_("given back at the hub, to bring again"),
    OrderStep.TO_SHIP: N_("passed, to ship"),
    OrderStep.SHIPPED: N_("shipped, not delivered yet"),
}
TO_BRING_HUB = N_("to bring to the hub")
TO_SEND_DIRECT = N_("for the artisan to send")
# The steps a hub order card acts on.
_AT_THE_HUB: Final = (OrderStep.TO_BRING, OrderStep.AT_HUB, OrderStep.RETURNED, OrderStep.TO_SHIP)


def step_name(t: Translator, step: OrderStep, *, at_hub: bool) -> str:
    if step is OrderStep.TO_BRING:
        return t._(TO_BRING_HUB if at_hub else TO_SEND_DIRECT)
    return t._(STEPS[step])


def brought_by(t: Translator, shop: NewShop) -> str:
    if shop.mentor_shop is None:
        return t._(ON_HER_OWN).format(shop=shop.shop_name)
    return t._(BROUGHT_BY).format(shop=shop.shop_name, mentor=shop.mentor_shop)


def back_to_week(ctx: StepContext) -> Choice:
    return Choice(ctx._(BACK_TO_WEEK), entry_payload(WEEK_KEY))


def show_reviewed(ctx: StepContext) -> None:
    found = manager_week.reviewed_in(
        ctx.session, ctx.now - manager_week.WEEK, ctx.now, limit=LISTED
    )
    if not found:
        ctx.ask(ctx._(NONE_REVIEWED), [back_to_week(ctx)])
        return
    shops = _shop_names(ctx, {p.artisan_id for _, p in found if p is not None})
    lines = [ctx._(REVIEWED_HEAD)]
    for decision, product in found:
        title = product.title if product is not None else ctx._(PIECE_GONE)
        shop = shops.get(product.artisan_id, "") if product is not None else ""
        approved = decision.decision is ReviewDecision.APPROVED
        line = REVIEWED_APPROVED if approved else REVIEWED_REJECTED
        lines.append(ctx._(line).format(title=title, shop=shop))
    ctx.ask("\n".join(lines), [back_to_week(ctx)])


def new_shops(ctx: StepContext) -> StepResult:
    """In the People menu: this week's new shops, each opening her card (People's own
    payloads, acted on as any People choice)."""
    shops = manager_week.new_shops(ctx.session, ctx.now - manager_week.WEEK, ctx.now)
    if not shops:
        ctx.say(ctx._(NO_NEW_SHOPS))
        return ask(ctx, ASK)
    choices = [
        Choice(
            brought_by(ctx.translator, shop), Tapped(Action.OPEN, user_id=shop.user_id).payload()
        )
        for shop in shops[:LISTED]
    ]
    # People's own step reads every choice offered here: only its payloads and "Menu" (a
    # global word's button), never another flow's.
    ctx.ask(ctx._(NEW_SHOPS_HEAD), [*choices, menu_choice(ctx)])
    return at(ctx, Step.PICK)


def show_orders(ctx: StepContext) -> None:
    at_hub = ctx.market.config.hub.at_hub
    found = manager_week.orders_at_steps(ctx.session, limit=LISTED)
    if not any(waiting.count for waiting in found.values()):
        ctx.ask(ctx._(NO_ORDERS), [back_to_week(ctx)])
        return
    lines = [ctx._(ORDERS_HEAD)]
    cards: list[Choice] = []
    for step, waiting in found.items():
        if not waiting.count:
            continue
        name = step_name(ctx.translator, step, at_hub=at_hub)
        codes = ", ".join(order.code for order in waiting.oldest)
        if waiting.count > len(waiting.oldest):
            codes += ", …"
        lines.append(ctx._(ORDERS_STEP).format(step=name, count=waiting.count, codes=codes))
        if at_hub and step in _AT_THE_HUB:
            cards += [
                Choice(
                    ctx._(OPEN_HUB_CARD).format(code=order.code, step=name),
                    HubOrder(order.id).encode(),
                )
                for order in waiting.oldest
            ]
    ctx.ask("\n".join(lines), [*cards[:HUB_CARDS], back_to_week(ctx)])


def show_payouts(ctx: StepContext) -> None:
    currency = ctx.market.config.artisan_currency
    locale = ctx.user.locale
    owed = ledger.owed_to_artisans(ctx.session, currency)
    paid = list(
        ctx.session.scalars(
            select(Payout)
            .where(
                Payout.currency == currency,
                Payout.created_at >= ctx.now - manager_week.WEEK,
                Payout.created_at < ctx.now,
            )
            .order_by(Payout.created_at.desc(), Payout.id.desc())
        )
    )
    shops = _shop_names(ctx, {a for a, _ in owed[:LISTED]} | {p.artisan_id for p in paid[:LISTED]})
    lines: list[str] = []
    if owed:
        total = Money(sum(amount.amount for _, amount in owed), currency).format(locale)
        lines.append(ctx._(OWED_HEAD).format(total=total))
        lines += [f"• {shops.get(a, a)}: {amount.format(locale)}" for a, amount in owed[:LISTED]]
    else:
        lines.append(ctx._(NOBODY_OWED))
    if paid:
        total = Money(sum(p.amount_minor for p in paid), currency).format(locale)
        lines.append(ctx._(PAID_HEAD).format(total=total))
        lines += [
            "• "
            + ctx._(PAID_LINE).format(
                date=local_date(ctx, payout.created_at),
                shop=shops.get(payout.artisan_id, payout.artisan_id),
                amount=Money(payout.amount_minor, payout.currency).format(locale),
                reference=payout.mpesa_reference or "—",
            )
            for payout in paid[:LISTED]
        ]
    else:
        lines.append(ctx._(NONE_PAID))
    lines.append(ctx._(HOW_TO_PAY))
    ctx.ask("\n".join(lines), [back_to_week(ctx)])


def _shop_names(ctx: StepContext, artisan_ids: set[int]) -> dict[int, str]:
    if not artisan_ids:
        return {}
    rows = ctx.session.execute(
        select(Artisan.id, Artisan.shop_name).where(Artisan.id.in_(artisan_ids))
    ).all()
    return {artisan_id: name for artisan_id, name in rows}  # noqa: C416 (rows are Rows)
