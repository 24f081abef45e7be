"""Opting out of (and back into) reminders nobody asked for: `stop` / `acha` anywhere in a
conversation turns abandoned-cart nudges off, with a reply saying how to turn them on again
(the menu's "Cart reminders on", shown only to people who opted out)."""

from __future__ import annotations

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
from store.models import User

FLOW = "nudges_on"
NUDGES_OFF = N_(
    "Done: we won't remind you about your cart any more. To get reminders again, send menu, "
    "choose “More”, then “Cart reminders on”."
)
NUDGES_ON_LABEL = N_("Cart reminders on")
NUDGES_ON = N_("Cart reminders are on again. Send STOP any time to turn them off.")


def opt_out(ctx: StepContext) -> None:
    """`stop` / `acha`: the question in progress stays open."""
    ctx.user.nudges_opted_out = True
    ctx.say(ctx._(NUDGES_OFF))


def start_opt_in(ctx: StepContext, arg: str) -> StepResult:
    ctx.user.nudges_opted_out = False
    ctx.say(ctx._(NUDGES_ON))
    return StepResult(END)


def _opted_out(user: User) -> bool:
    return user.nudges_opted_out


def register(registry: FlowRegistry) -> None:
    registry.add(Flow(FLOW, {}, start_opt_in))
    registry.add_menu_entry(
        MenuEntry("nudges_on", NUDGES_ON_LABEL, FLOW, MenuGroup.GENERAL, 7, visible=_opted_out)
    )
