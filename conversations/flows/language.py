"""Choosing a language: at first contact (the welcome) and whenever the person asks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from conversations.flow import END, Flow, FlowRegistry, StepContext, StepResult
from conversations.i18n import LANGUAGE_NAMES, N_
from conversations.messages import Choice, Inbound
from conversations.payloads import Payload

WELCOME = N_("Welcome to Soko! Buy and sell handmade jewelry.")
SPEAKING = N_("We'll chat in English. Or choose a language:")
CHOOSE = N_("Choose your language:")
CHOSEN = N_("OK, we'll chat in English.")
PICK_ONE = N_("Please pick one of the options.")


@dataclass(frozen=True)
class PickLanguage(Payload, tag="lang"):
    """A language's code (`LANGUAGE_NAMES`); it switches from any message, as `lugha` does."""

    code: str


LANGUAGES = tuple(
    Choice(name, PickLanguage(code).encode()) for code, name in LANGUAGE_NAMES.items()
)


class Step(StrEnum):
    CHOOSE = "choose"


def start_welcome(ctx: StepContext, start_arg: str) -> StepResult:
    """A brand-new person: greet in the guessed language and offer the others; when her app
    or her words told the language (`ctx.language_known`), go straight where her first message
    leads (a mentor's link or code), or step aside for it (photos)."""
    ctx.say(ctx._(WELCOME))
    if ctx.language_known:
        route = ctx.registry.route_start(start_arg) if start_arg else None
        return ctx.begin(*route) if route else StepResult(END)
    return _offer(ctx, {"then": start_arg})


def _offer(ctx: StepContext, data: dict[str, str] | None = None) -> StepResult:
    ctx.ask(ctx._(SPEAKING), LANGUAGES)
    return StepResult(Step.CHOOSE, data)


def welcome_choose(ctx: StepContext, inbound: Inbound) -> StepResult:
    picked = _picked(inbound.payload)
    if picked is not None:
        _switch(ctx, picked)
    # Anything else keeps the guessed language: nobody is held at the door.
    route = ctx.registry.route_start(ctx.data.get("then", "")) if ctx.data.get("then") else None
    if inbound.photos and route is None and ctx.registry.fallback is not None:
        # Her photos instead of a language ("Habari", then the piece): read as photos sent
        # outside any flow are (the menu's fallback: a listing, or a shop to open first).
        return ctx.registry.fallback(ctx, inbound)
    flow, arg = route if route else (FlowRegistry.MENU, "")
    return ctx.begin(flow, arg)


def start_language(ctx: StepContext, arg: str) -> StepResult:
    ctx.ask(ctx._(CHOOSE), LANGUAGES)
    return StepResult(Step.CHOOSE)


def choose(ctx: StepContext, inbound: Inbound) -> StepResult:
    picked = _picked(inbound.payload)
    if picked is None:
        ctx.ask(ctx._(PICK_ONE), LANGUAGES)
        return StepResult(Step.CHOOSE)
    _switch(ctx, picked)
    return ctx.begin(FlowRegistry.MENU)


def switch_from_anywhere(ctx: StepContext, tapped: PickLanguage) -> StepResult | None:
    """A language tapped on an earlier message: switch, and ask the open question again in
    it (or show the menu)."""
    if tapped.code not in LANGUAGE_NAMES:
        return None
    _switch(ctx, tapped.code)
    again = ctx.ask_again()
    return again if again is not None else ctx.begin(FlowRegistry.MENU)


def _picked(payload: str | None) -> str | None:
    tapped = PickLanguage.read(payload)
    return tapped.code if tapped is not None and tapped.code in LANGUAGE_NAMES else None


def _switch(ctx: StepContext, locale: str) -> None:
    ctx.set_locale(locale)
    ctx.say(ctx._(CHOSEN))


def register(registry: FlowRegistry) -> None:
    registry.add(
        Flow(
            FlowRegistry.WELCOME,
            {Step.CHOOSE: welcome_choose},
            start_welcome,
            prompts={Step.CHOOSE: _offer},
        )
    )
    registry.add(
        Flow(
            FlowRegistry.LANGUAGE,
            {Step.CHOOSE: choose},
            start_language,
            prompts={Step.CHOOSE: lambda ctx: start_language(ctx, "")},
        )
    )
    registry.add_route(PickLanguage, switch_from_anywhere)
