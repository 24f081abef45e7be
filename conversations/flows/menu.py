"""The main menu: entries other flows register, filtered by the person's roles; and help."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from conversations import replies
from conversations.flow import END, Flow, FlowRegistry, MenuEntry, StepContext, StepResult
from conversations.i18n import N_
from conversations.messages import Choice, Inbound
from conversations.payloads import Payload

TITLE = N_("What would you like to do?")
NOT_UNDERSTOOD = N_("Sorry, I didn't understand. Please choose from the menu.")
LANGUAGE = N_("Language")
HELP = N_("Help")


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


def start(ctx: StepContext, arg: str) -> StepResult:
    for ask_first in ctx.registry.before_menu:
        asked = ask_first(ctx)
        if asked is not None:
            return asked
    _show(ctx, ctx._(TITLE))
    return StepResult(Step.CHOOSE)


def begin_entry(ctx: StepContext, tapped: MenuTap) -> StepResult | None:
    """A menu entry tapped on an earlier message (or a "Keep shopping" that leads to one)."""
    entry = _visible_entry(ctx, tapped.key)
    return ctx.begin(entry.flow, entry.arg) if entry is not None else None


def choose(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.photos and ctx.registry.has_flow(PHOTO_FLOW):
        return _begin_with_photos(ctx, inbound)
    entry = _chosen_entry(ctx, inbound)
    if entry is None:
        _show(ctx, ctx._(NOT_UNDERSTOOD))
        return StepResult(Step.CHOOSE)
    return ctx.begin(entry.flow, entry.arg)


def _again(ctx: StepContext) -> StepResult:
    return start(ctx, "")


def fallback(ctx: StepContext, inbound: Inbound) -> StepResult:
    """A message outside any flow: follow a menu choice it resolved to, hand photos to
    `PHOTO_FLOW`, else show the menu."""
    if inbound.photos and ctx.registry.has_flow(PHOTO_FLOW):
        return _begin_with_photos(ctx, inbound)
    entry = _chosen_entry(ctx, inbound)
    return ctx.begin(entry.flow, entry.arg) if entry else ctx.begin(FlowRegistry.MENU)


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


def _show(ctx: StepContext, text: str) -> None:
    entries = ctx.registry.menu_for(ctx.user)
    ctx.ask(text, [Choice(ctx._(e.label), entry_payload(e.key)) for e in entries])


def _chosen_entry(ctx: StepContext, inbound: Inbound) -> MenuEntry | None:
    tapped = MenuTap.read(inbound.payload)
    return _visible_entry(ctx, tapped.key) if tapped is not None else None


def _visible_entry(ctx: StepContext, key: str) -> MenuEntry | None:
    entry = ctx.registry.menu_entry(key)
    # Re-check visibility: the choice was offered, but roles may have changed since.
    return entry if entry is not None and entry.visible(ctx.user) else None


def register(registry: FlowRegistry) -> None:
    registry.add(
        Flow(FlowRegistry.MENU, {Step.CHOOSE: choose}, start, prompts={Step.CHOOSE: _again})
    )
    registry.add_route(MenuTap, begin_entry)
    registry.add(Flow(FlowRegistry.HELP, {}, start_help))
    registry.add_menu_entry(MenuEntry("lang", LANGUAGE, FlowRegistry.LANGUAGE, order=900))
    registry.add_menu_entry(MenuEntry("help", HELP, FlowRegistry.HELP, order=910))
    registry.fallback = fallback
