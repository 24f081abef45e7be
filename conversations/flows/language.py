"""Choosing a language: at first contact (the welcome) and whenever the person asks."""

from __future__ import annotations

from enum import StrEnum

from conversations.flow import Flow, FlowRegistry, StepContext, StepResult
from conversations.i18n import LANGUAGE_NAMES, N_
from conversations.messages import Choice, Inbound

WELCOME = N_("Welcome to Soko! Buy and sell handmade jewelry.")
SPEAKING = N_("We'll chat in English. Or choose a language:")
CHOOSE = N_("Choose your language:")
CHOSEN = N_("OK, we'll chat in English.")
PICK_ONE = N_("Please pick one of the options.")

LANGUAGES = tuple(Choice(name, f"lang:{code}") for code, name in LANGUAGE_NAMES.items())


class Step(StrEnum):
    CHOOSE = "choose"


def start_welcome(ctx: StepContext, start_arg: str) -> StepResult:
    """A brand-new person: greet in the guessed language and offer the others."""
    ctx.say(ctx._(WELCOME))
    ctx.ask(ctx._(SPEAKING), LANGUAGES)
    return StepResult(Step.CHOOSE, {"then": start_arg})


def welcome_choose(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.payload is not None:
        _switch(ctx, inbound.payload)
    # Anything else keeps the guessed language: nobody is held at the door.
    route = ctx.registry.route_start(ctx.data.get("then", "")) if ctx.data.get("then") else None
    flow, arg = route if route else (FlowRegistry.MENU, "")
    return ctx.begin(flow, arg)


def start_language(ctx: StepContext, arg: str) -> StepResult:
    ctx.ask(ctx._(CHOOSE), LANGUAGES)
    return StepResult(Step.CHOOSE)


def choose(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.payload is None:
        ctx.ask(ctx._(PICK_ONE), LANGUAGES)
        return StepResult(Step.CHOOSE)
    _switch(ctx, inbound.payload)
    return ctx.begin(FlowRegistry.MENU)


def _switch(ctx: StepContext, payload: str) -> None:
    locale = payload.removeprefix("lang:")
    ctx.set_locale(locale)
    ctx.say(ctx._(CHOSEN))


def register(registry: FlowRegistry) -> None:
    registry.add(Flow(FlowRegistry.WELCOME, {Step.CHOOSE: welcome_choose}, start_welcome))
    registry.add(Flow(FlowRegistry.LANGUAGE, {Step.CHOOSE: choose}, start_language))
