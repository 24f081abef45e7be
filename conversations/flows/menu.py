"""The main menu: entries other flows register, filtered by the person's roles; and help."""

from __future__ import annotations

from enum import StrEnum

from conversations import replies
from conversations.flow import END, Flow, FlowRegistry, MenuEntry, StepContext, StepResult
from conversations.i18n import N_
from conversations.messages import Choice, Inbound

TITLE = N_("What would you like to do?")
NOT_UNDERSTOOD = N_("Sorry, I didn't understand. Please choose from the menu.")
LANGUAGE = N_("Language")
HELP = N_("Help")

_PAYLOAD_PREFIX = "menu:"


class Step(StrEnum):
    CHOOSE = "choose"


def start(ctx: StepContext, arg: str) -> StepResult:
    _show(ctx, ctx._(TITLE))
    return StepResult(Step.CHOOSE)


def choose(ctx: StepContext, inbound: Inbound) -> StepResult:
    entry = _chosen_entry(ctx, inbound)
    if entry is None:
        _show(ctx, ctx._(NOT_UNDERSTOOD))
        return StepResult(Step.CHOOSE)
    return ctx.begin(entry.flow, entry.arg)


def fallback(ctx: StepContext, inbound: Inbound) -> StepResult:
    """A message outside any flow: follow a menu choice it resolved to, else show the menu."""
    entry = _chosen_entry(ctx, inbound)
    return ctx.begin(entry.flow, entry.arg) if entry else ctx.begin(FlowRegistry.MENU)


def start_help(ctx: StepContext, arg: str) -> StepResult:
    ctx.say(ctx._(replies.HELP))
    return StepResult(END)


def _show(ctx: StepContext, text: str) -> None:
    entries = ctx.registry.menu_for(ctx.user)
    ctx.ask(text, [Choice(ctx._(e.label), _PAYLOAD_PREFIX + e.key) for e in entries])


def _chosen_entry(ctx: StepContext, inbound: Inbound) -> MenuEntry | None:
    payload = inbound.payload or ""
    if not payload.startswith(_PAYLOAD_PREFIX):
        return None
    entry = ctx.registry.menu_entry(payload.removeprefix(_PAYLOAD_PREFIX))
    # Re-check visibility: the choice was offered, but roles may have changed since.
    return entry if entry is not None and entry.visible(ctx.user) else None


def register(registry: FlowRegistry) -> None:
    registry.add(Flow(FlowRegistry.MENU, {Step.CHOOSE: choose}, start))
    registry.add(Flow(FlowRegistry.HELP, {}, start_help))
    registry.add_menu_entry(MenuEntry("lang", LANGUAGE, FlowRegistry.LANGUAGE, order=900))
    registry.add_menu_entry(MenuEntry("help", HELP, FlowRegistry.HELP, order=910))
    registry.fallback = fallback
