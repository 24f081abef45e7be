"""The area buyers see, asked once of an artisan whose shop shows none.

Shops opened before the pin was kept privately had the pin as their place (migration 0007 moved
it aside and left the place empty), and pages never show a pin or a map link: the next time she
opens the menu she is asked the area buyers should see. "Later" (or going elsewhere) is
remembered in her chat, so she is not asked again there.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from conversations.flow import Flow, FlowRegistry, StepContext, StepResult
from conversations.flows import onboarding_text
from conversations.i18n import N_
from conversations.messages import Choice, Inbound
from store.models import Role
from store.services import people
from store.services.public_place import public_place
from store.text import clean_line

FLOW = "shop_place"
LATER_PAYLOAD = "place:later"

ASK = N_(
    "Buyers cannot see where your shop is: your pin is for the Soko team only. "
    "Type the area buyers will see, for example: Kibera, Nairobi."
)
LATER = N_("Later")
THANKS = N_("Thank you! Buyers now see: {place}.")


class Step(StrEnum):
    AREA = "area"


def ask_if_unplaced(ctx: StepContext) -> StepResult | None:
    """Before the menu: her area, if her shop shows buyers none and she was not asked here."""
    if FLOW in ctx.kept or not ctx.user.has_role(Role.ARTISAN):
        return None
    artisan = people.artisan_for_user(ctx.session, ctx.user.id)
    if artisan is None or public_place(artisan.location):
        return None
    return ctx.begin(FLOW)


def start(ctx: StepContext, arg: str) -> StepResult:
    ctx.ask(ctx._(ASK), [Choice(ctx._(LATER), LATER_PAYLOAD)])
    return StepResult(Step.AREA)


def area(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.payload == LATER_PAYLOAD:
        return ctx.begin(FlowRegistry.MENU)
    artisan = people.artisan_for_user(ctx.session, ctx.user.id)
    if artisan is None:  # no longer an artisan: nothing to ask
        return ctx.begin(FlowRegistry.MENU)
    try:
        people.set_place(ctx.session, artisan.id, clean_line(inbound.text))
    except people.InvalidRegistration as refused:
        if refused.reason == "not_an_area":
            ctx.say(ctx._(onboarding_text.NOT_AN_AREA))
        else:
            ctx.say(ctx._(onboarding_text.BAD_LOCATION))
        return StepResult(Step.AREA)
    ctx.say(ctx._(THANKS).format(place=artisan.location))
    return ctx.begin(FlowRegistry.MENU)


def asked(ctx: StepContext) -> dict[str, Any]:
    """Leaving, answered or not, she was asked: not again in this chat."""
    return {"asked": True}


def register(registry: FlowRegistry) -> None:
    registry.add(
        Flow(FLOW, {Step.AREA: area}, start, on_leave=asked, prompts={Step.AREA: start_again})
    )
    registry.before_menu.append(ask_if_unplaced)


def start_again(ctx: StepContext) -> StepResult:
    return start(ctx, "")
