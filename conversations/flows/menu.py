"""The main menu: entries other flows register, filtered by the person's roles; and help.

Her first page shows her own group's entries (`MenuGroup`: a manager's managing, an
artisan's selling, anyone else's buying) and "More"; the More page the rest she may use. Each
entry keeps one number for her (`MenuGroup`), on both pages and whichever page is shown: typed
at the menu or outside any flow, a number (or a label) of any entry she may use starts it.
Something else typed at the menu gets one short line, not the whole menu again."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from conversations import replies
from conversations.choices import resolve_choice
from conversations.first_words import is_greeting
from conversations.flow import (
    END,
    Flow,
    FlowRegistry,
    MenuEntry,
    MenuGroup,
    StepContext,
    StepResult,
)
from conversations.i18n import N_
from conversations.messages import Choice, Inbound
from conversations.payloads import Payload
from store.models import Role, User

TITLE = N_("What would you like to do?")
MORE_TITLE = N_("More choices:")
MORE = N_("More")
# Something typed at the menu that is none of its entries: one line, the menu stays offered.
NOT_UNDERSTOOD = N_("Reply with a number, or *menu*.")
NOT_UNDERSTOOD_BUTTONS = N_("Choose from the menu above, or send “menu”.")
LANGUAGE = N_("Language")
HELP = N_("Help")
MORE_KEY = "more"
MORE_NUMBER = 9


@dataclass(frozen=True)
class MenuTap(Payload, tag="menu"):
    """A menu entry's key: it starts that flow from any message, if she may see it now."""

    key: str


def entry_payload(key: str) -> str:
    """The payload of the menu entry `key`, for a choice that leads there from elsewhere."""
    return MenuTap(key).encode()


# A photo sent at the menu or outside any flow starts this flow (when registered) with
# `PHOTO_ARG`, and the photo goes on to the step it starts at: an artisan lists a piece by
# just sending its picture.
PHOTO_FLOW = "listing"
PHOTO_ARG = "photos"


class Step(StrEnum):
    CHOOSE = "choose"


@dataclass(frozen=True)
class Numbered:
    number: int
    entry: MenuEntry


def main_group(user: User) -> MenuGroup:
    """Whose actions come first on her menu."""
    if user.has_role(Role.COMMUNITY_MANAGER):
        return MenuGroup.MANAGING
    if user.has_role(Role.ARTISAN):
        return MenuGroup.SELLING
    return MenuGroup.BUYING


def pages(registry: FlowRegistry, user: User) -> tuple[list[Numbered], list[Numbered]]:
    """Her first page and her More page, each entry with its number for her."""
    first_group = main_group(user)
    first: list[Numbered] = []
    more: list[Numbered] = []
    for entry in registry.menu_for(user):
        if entry.group is first_group:
            first.append(Numbered(entry.number, entry))
        else:
            more.append(Numbered(10 * entry.group + entry.number, entry))
    return first, sorted(more, key=lambda n: n.number)


def start(ctx: StepContext, arg: str) -> StepResult:
    """Her first page; `MORE_KEY`: her More page."""
    for ask_first in ctx.registry.before_menu:
        asked = ask_first(ctx)
        if asked is not None:
            return asked
    if arg == MORE_KEY:
        _show_more(ctx)
    else:
        _show_first(ctx)
    return StepResult(Step.CHOOSE)


def begin_entry(ctx: StepContext, tapped: MenuTap) -> StepResult | None:
    """A menu entry tapped on an earlier message (or a "Keep shopping" that leads to one)."""
    if tapped.key == MORE_KEY:
        return ctx.begin(FlowRegistry.MENU, MORE_KEY)
    entry = _visible_entry(ctx, tapped.key)
    return ctx.begin(entry.flow, entry.arg) if entry is not None else None


def choose(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.photos and ctx.registry.has_flow(PHOTO_FLOW):
        return _begin_with_photos(ctx, inbound)
    chosen = _chosen(ctx, inbound)
    if chosen is None and is_greeting(inbound.text):  # "Habari!" at the menu: it again
        return ctx.begin(FlowRegistry.MENU)
    if chosen is None:
        return _not_understood(ctx)
    return chosen


def _not_understood(ctx: StepContext) -> StepResult:
    """One short line; her menu stays offered (its numbers and labels still work)."""
    typed = ctx.market.capabilities.of(ctx.channel).typed_choices
    ctx.say(ctx._(NOT_UNDERSTOOD if typed else NOT_UNDERSTOOD_BUTTONS))
    ctx.offered = _all_choices(ctx)
    return StepResult(Step.CHOOSE)


def fallback(ctx: StepContext, inbound: Inbound) -> StepResult:
    """A message outside any flow: follow a menu choice it resolved to (or names: a number
    or label of an entry she may use), hand photos to `PHOTO_FLOW`, else show the menu."""
    if inbound.photos and ctx.registry.has_flow(PHOTO_FLOW):
        return _begin_with_photos(ctx, inbound)
    chosen = _chosen(ctx, inbound)
    return chosen if chosen is not None else ctx.begin(FlowRegistry.MENU)


def start_help(ctx: StepContext, arg: str) -> StepResult:
    ctx.say(ctx._(replies.HELP))
    return StepResult(END)


def _begin_with_photos(ctx: StepContext, inbound: Inbound) -> StepResult:
    """Start `PHOTO_FLOW` and let the step it starts at read this message (the photos).

    A start that answers by itself (e.g. "open a shop first") has dealt with the message.
    """
    said = len(ctx.replies)
    started = ctx.begin(PHOTO_FLOW, PHOTO_ARG)
    if started.next is END or ctx.flow != PHOTO_FLOW or len(ctx.replies) > said:
        return started
    step, read = ctx.registry.flow(PHOTO_FLOW).step(started.next.value)
    ctx.step = step.value
    if started.data:
        ctx.data.update(started.data)
    return read(ctx, inbound)


def _show_first(ctx: StepContext) -> None:
    first, more = pages(ctx.registry, ctx.user)
    if not first:  # nothing of her own group registered: the rest on the first page
        first, more = more, []
    ctx.ask(ctx._(TITLE), [*_choices(ctx, first), *_more_choice(ctx, more)])


def _show_more(ctx: StepContext) -> None:
    _, more = pages(ctx.registry, ctx.user)
    ctx.ask(ctx._(MORE_TITLE), _choices(ctx, more))


def _more_choice(ctx: StepContext, more: list[Numbered]) -> list[Choice]:
    return [Choice(ctx._(MORE), entry_payload(MORE_KEY), number=MORE_NUMBER)] if more else []


def _all_choices(ctx: StepContext) -> tuple[Choice, ...]:
    """Every entry she may use, on either page, and "More"; her first page's entries also
    under their long numbers (10 × group + number), which mean them whatever her roles."""
    first, more = pages(ctx.registry, ctx.user)
    long = [Numbered(10 * n.entry.group + n.entry.number, n.entry) for n in first]
    return (
        *_choices(ctx, first),
        *_more_choice(ctx, more),
        *_choices(ctx, more),
        *_choices(ctx, long),
    )


def _choices(ctx: StepContext, entries: list[Numbered]) -> list[Choice]:
    return [
        Choice(label, entry_payload(n.entry.key), number=n.number)
        for n in entries
        if (label := _label(ctx, n.entry)) is not None
    ]


def _label(ctx: StepContext, entry: MenuEntry) -> str | None:
    return entry.label_now(ctx) if entry.label_now is not None else ctx._(entry.label)


def _chosen(ctx: StepContext, inbound: Inbound) -> StepResult | None:
    """What the entry she tapped, or typed the number or label of, starts (any she may use,
    on either page: a number from an older menu keeps its meaning); None: no entry."""
    if inbound.payload is None and inbound.text:
        inbound = resolve_choice(inbound, _all_choices(ctx))
    tapped = MenuTap.read(inbound.payload)
    return begin_entry(ctx, tapped) if tapped is not None else None


def _visible_entry(ctx: StepContext, key: str) -> MenuEntry | None:
    entry = ctx.registry.menu_entry(key)
    # Re-check visibility: the choice was offered, but roles may have changed since.
    return entry if entry is not None and entry.visible(ctx.user) else None


def register(registry: FlowRegistry) -> None:
    registry.add(
        Flow(
            FlowRegistry.MENU,
            {Step.CHOOSE: choose},
            start,
            prompts={Step.CHOOSE: _not_understood},
        )
    )
    registry.add_route(MenuTap, begin_entry)
    registry.add(Flow(FlowRegistry.HELP, {}, start_help))
    registry.add_menu_entry(
        MenuEntry("lang", LANGUAGE, FlowRegistry.LANGUAGE, MenuGroup.GENERAL, 8)
    )
    registry.add_menu_entry(MenuEntry("help", HELP, FlowRegistry.HELP, MenuGroup.GENERAL, 9))
    registry.fallback = fallback
