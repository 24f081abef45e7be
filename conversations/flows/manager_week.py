"""The manager's week: one message with the figures of her last seven days (listings
waiting and the oldest wait, the approval rate, new artisans and who brought them, orders
waiting at each step, open cases, payouts due and paid, shops due for a workshop visit),
each line with a button to its list. Sent every Monday morning
(`conversations/jobs/manager_week.py`) and on demand from her menu ("My week").

A line's button (`WeekLine`) works from any message, an old summary's too: it opens the
list as it is now (saying so when the summary is from an earlier week), and only for
someone who is a community manager now. The lists are the existing ones where there is one
(the review queue, open cases, People, the hub's order cards, the shops to visit) and small
ones otherwise (`week_lists`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_timedelta
from babel.numbers import format_decimal, format_percent

from conversations.flow import (
    Flow,
    FlowRegistry,
    MenuEntry,
    MenuGroup,
    PromptFn,
    StepContext,
    StepFn,
    StepResult,
    with_role,
)
from conversations.flows import cases, menu, people, review, visits, week_lists
from conversations.flows.language import PICK_ONE
from conversations.i18n import N_, Translator
from conversations.messages import Choice, Inbound, Outbound
from conversations.payloads import Payload, decode
from store.models import Role
from store.money import babel_locale
from store.services import manager_week, permissions
from store.services.audit import Actor
from store.services.manager_week import WeekFigures

FLOW: Final = "week"
MENU_KEY: Final = week_lists.WEEK_KEY
# A managing entry's number; 5 and 6 are collections' and visits'. The managers' first page
# holds eight entries since there are more than six of them (`FIRST_PAGE_NUMBERS`).
MENU_NUMBER: Final = 7
SHOPS_LISTED: Final = 5  # new shops named in the summary line; the rest are in their list
# WhatsApp sends the weekly summary outside its 24-hour window as a template whose one variable
# holds at most this much (`handlers/whatsapp/templates.UTILITY_VARIABLE_MAX`; longer is cut):
# past it the summary counts the new shops and those due for a visit without naming them.
SUMMARY_MAX: Final = 900

MENU_LABEL = N_("My week")
HEAD = N_("Your week on Soko, {since} – {until} (Nairobi time):")
LISTINGS = N_("Listings waiting for review: {count}. The oldest since {when} ({wait}).")
NO_LISTINGS = N_("Listings waiting for review: none. All caught up!")
RATE = N_("Approval rate this week: {rate} ({approved} approved of {reviewed} reviewed).")
NO_REVIEWS = N_("Approval rate this week: no listings were reviewed this week.")
NEW_SHOPS = N_("New artisans this week: {count}. {shops}")
NO_NEW_SHOPS = N_("New artisans this week: none yet.")
AND_MORE = N_("and {count} more")
ORDERS = N_("Orders waiting: {steps}.")
NO_ORDERS = N_("Orders waiting: none at any step.")
STEP_COUNT = N_("{step}: {count}")
OPEN_CASES = N_("Open cases: {count}.")
NO_OPEN_CASES = N_("Open cases: none.")
OWED = N_("Payouts due: {total} (artisans owed: {count}).")
NOTHING_OWED = N_("Payouts due: nobody is owed anything right now.")
PAID = N_("Paid this week: {total} (payouts: {count}).")
NOTHING_PAID = N_("Paid this week: no payouts yet.")
VISITS_DUE = N_("Shops due for a workshop visit: {count}. {shops}")
NO_VISITS_DUE = N_("Shops due for a workshop visit: none. Every shop's visit still counts.")
OLDER_SUMMARY = N_("That summary is from an earlier week. This is how things stand now:")


class Topic(StrEnum):
    """A line of the summary, and the list its button opens."""

    LISTINGS = "listings"
    REVIEWS = "reviews"
    SHOPS = "shops"
    ORDERS = "orders"
    CASES = "cases"
    PAYOUTS = "payouts"
    VISITS = "visits"


BUTTONS: Final = {
    Topic.LISTINGS: review.MENU_LABEL,
    Topic.REVIEWS: N_("Reviewed this week"),
    Topic.SHOPS: N_("New artisans"),
    Topic.ORDERS: N_("Orders waiting"),
    Topic.CASES: cases.MENU_LABEL,
    Topic.PAYOUTS: N_("Payouts"),
    Topic.VISITS: visits.MENU_LABEL,
}


@dataclass(frozen=True)
class WeekLine(Payload, tag="wk"):
    """A summary line's button: its list, and the week of the summary it was on."""

    topic: Topic
    week: str


class Step(StrEnum):
    SUMMARY = "summary"
    LIST = "list"  # one of `week_lists`' lists, its buttons offered


# --- the summary ----------------------------------------------------------------------------


def summary(
    t: Translator, figures: WeekFigures, *, zone: ZoneInfo, at_hub: bool, week: str
) -> Outbound:
    """The week's message in her language: a line per figure, a button per line."""
    locale = babel_locale(t.locale)

    def number(n: int) -> str:
        return format_decimal(n, locale=locale)

    def day(when: datetime) -> str:
        return format_datetime(when, "d MMM", tzinfo=zone, locale=locale)

    lines = [t._(HEAD).format(since=day(figures.since), until=day(figures.until))]
    waiting = figures.listings
    if waiting.count and waiting.oldest_since is not None:
        when = format_datetime(waiting.oldest_since, "d MMM, HH:mm", tzinfo=zone, locale=locale)
        wait = format_timedelta(figures.until - waiting.oldest_since, locale=locale)
        lines.append(t._(LISTINGS).format(count=number(waiting.count), when=when, wait=wait))
    else:
        lines.append(t._(NO_LISTINGS))
    reviews = figures.reviews
    if reviews.rate is not None:
        rate = format_percent(reviews.rate, locale=locale)
        lines.append(
            t._(RATE).format(
                rate=rate, approved=number(reviews.approved), reviewed=number(reviews.reviewed)
            )
        )
    else:
        lines.append(t._(NO_REVIEWS))
    shops_at = len(lines)
    lines.append(_shops_line(t, figures, number))
    lines.append(_orders_line(t, figures, number, at_hub=at_hub))
    cases_open = figures.open_cases
    lines.append(
        t._(OPEN_CASES).format(count=number(cases_open)) if cases_open else t._(NO_OPEN_CASES)
    )
    lines.append(_payouts_line(t, figures, number))
    lines.append(_visits_line(t, figures, number))
    if len("\n".join(lines)) > SUMMARY_MAX:  # a busy week with long names: counts only
        lines[shops_at] = _shops_line(t, figures, number, with_names=False)
        lines[-1] = _visits_line(t, figures, number, with_names=False)
    choices = tuple(
        Choice(t._(label), WeekLine(topic, week).encode()) for topic, label in BUTTONS.items()
    )
    return Outbound(text="\n".join(lines), choices=choices)


def _shops_line(
    t: Translator, figures: WeekFigures, number: Callable[[int], str], *, with_names: bool = True
) -> str:
    shops = figures.new_shops
    if not shops:
        return t._(NO_NEW_SHOPS)
    if not with_names:
        return t._(NEW_SHOPS).format(count=number(len(shops)), shops="").rstrip()
    named = [week_lists.brought_by(t, shop) for shop in shops[:SHOPS_LISTED]]
    if len(shops) > SHOPS_LISTED:
        named.append(t._(AND_MORE).format(count=number(len(shops) - SHOPS_LISTED)))
    return t._(NEW_SHOPS).format(count=number(len(shops)), shops=", ".join(named))


def _orders_line(
    t: Translator, figures: WeekFigures, number: Callable[[int], str], *, at_hub: bool
) -> str:
    steps = [
        t._(STEP_COUNT).format(
            step=week_lists.step_name(t, step, at_hub=at_hub), count=number(count)
        )
        for step, count in figures.orders.items()
        if count
    ]
    return t._(ORDERS).format(steps="; ".join(steps)) if steps else t._(NO_ORDERS)


def _payouts_line(t: Translator, figures: WeekFigures, number: Callable[[int], str]) -> str:
    money, locale = figures.payouts, t.locale
    owed = (
        t._(OWED).format(total=money.owed.format(locale), count=number(money.owed_count))
        if money.owed_count
        else t._(NOTHING_OWED)
    )
    paid = (
        t._(PAID).format(total=money.paid.format(locale), count=number(money.paid_count))
        if money.paid_count
        else t._(NOTHING_PAID)
    )
    return f"{owed} {paid}"


def _visits_line(
    t: Translator, figures: WeekFigures, number: Callable[[int], str], *, with_names: bool = True
) -> str:
    due = figures.visits_due
    if not due:
        return t._(NO_VISITS_DUE)
    if not with_names:
        return t._(VISITS_DUE).format(count=number(len(due)), shops="").rstrip()
    named = [f"{shop.shop_name} ({shop.place})" if shop.place else shop.shop_name for shop in due]
    if len(named) > SHOPS_LISTED:
        named[SHOPS_LISTED:] = [t._(AND_MORE).format(count=number(len(due) - SHOPS_LISTED))]
    return t._(VISITS_DUE).format(count=number(len(due)), shops=", ".join(named))


# --- the flow -------------------------------------------------------------------------------


def start(ctx: StepContext, arg: str) -> StepResult:
    """ "": her week's summary; a `Topic`'s value: that line's list."""
    permissions.require_manager(ctx.session, Actor.user(ctx.user.id), "see the manager's week")
    topic = next((topic for topic in Topic if topic.value == arg), None)
    if topic is not None:
        return open_list(ctx, topic)
    return show_summary(ctx)


def show_summary(ctx: StepContext) -> StepResult:
    zone = ZoneInfo(ctx.market.config.artisan_timezone)
    config = ctx.market.config
    figures = manager_week.week_figures(
        ctx.session, ctx.now, config.artisan_currency, timezone=config.artisan_timezone
    )
    at_hub = ctx.market.config.hub.at_hub
    ctx.reply(summary(ctx.translator, figures, zone=zone, at_hub=at_hub, week=_week(ctx)))
    return StepResult(Step.SUMMARY)


def chosen(ctx: StepContext, inbound: Inbound) -> StepResult:
    tapped = WeekLine.read(inbound.payload)
    if tapped is None:
        ctx.say(ctx._(PICK_ONE))
        return show_summary(ctx)
    return ctx.begin(FLOW, tapped.topic.value)


def line_tapped(ctx: StepContext, tapped: WeekLine) -> StepResult | None:
    """A line's button on an earlier message (a weekly summary, an older "My week"): its
    list as it is now, for a community manager only."""
    if not permissions.may_act_as(ctx.session, Actor.user(ctx.user.id), Role.COMMUNITY_MANAGER):
        return None
    if tapped.week != _week(ctx):
        ctx.say(ctx._(OLDER_SUMMARY))
    return ctx.begin(FLOW, tapped.topic.value)


def open_list(ctx: StepContext, topic: Topic) -> StepResult:
    match topic:
        case Topic.LISTINGS:
            return ctx.begin(review.FLOW)
        case Topic.CASES:
            return ctx.begin(cases.FLOW)
        case Topic.VISITS:
            return ctx.begin(visits.FLOW)
        case Topic.SHOPS:
            return ctx.begin(people.FLOW, week_lists.NEW_SHOPS_ARG)
        case Topic.REVIEWS:
            week_lists.show_reviewed(ctx)
        case Topic.ORDERS:
            week_lists.show_orders(ctx)
        case Topic.PAYOUTS:
            week_lists.show_payouts(ctx)
    return StepResult(Step.LIST)


def in_list(ctx: StepContext, inbound: Inbound) -> StepResult:
    """A choice on a list: an order's hub card or the way back to her week, each where its
    own route takes it (re-checked there); anything else as outside any flow."""
    decoded = decode(inbound.payload)
    route = ctx.registry.route(decoded, ctx.flow) if decoded is not None else None
    result = route(ctx) if route is not None else None
    return result if result is not None else menu.fallback(ctx, inbound)


def _week(ctx: StepContext) -> str:
    return week_of(ctx.now, ZoneInfo(ctx.market.config.artisan_timezone))


def week_of(now: datetime, zone: ZoneInfo) -> str:
    """'2026-W10': the ISO week in `zone` a summary is of (its buttons carry it; the weekly
    job's dedupe key too, as `conversations.jobs.periods.local_week` writes it)."""
    year, week, _ = now.astimezone(zone).isocalendar()
    return f"{year}-W{week:02d}"


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {Step.SUMMARY: chosen, Step.LIST: in_list}
    prompts: dict[StrEnum, PromptFn] = {Step.SUMMARY: show_summary, Step.LIST: show_summary}
    registry.add(Flow(FLOW, steps, start, prompts=prompts))
    registry.add_route(WeekLine, line_tapped)
    registry.add_menu_entry(
        MenuEntry(
            MENU_KEY,
            MENU_LABEL,
            FLOW,
            MenuGroup.MANAGING,
            MENU_NUMBER,
            visible=with_role(Role.COMMUNITY_MANAGER),
        )
    )
