"""Her story, as buyers read it on her shop's page: not asked when she opens her shop (it is
optional), told or changed here any time, from the menu ("My story")."""

from __future__ import annotations

from enum import StrEnum

from conversations.choices import is_skip
from conversations.flow import (
    Flow,
    FlowRegistry,
    MenuEntry,
    MenuGroup,
    StepContext,
    StepResult,
    with_role,
)
from conversations.flows import onboarding_text
from conversations.flows.my_shop import current_artisan
from conversations.i18n import N_
from conversations.messages import Choice, Inbound, TapWord
from store.models import Role
from store.services import people
from store.text import clean_display

FLOW = "shop_story"
MENU_LABEL = N_("My story")
SHOWN = N_("Your story, as buyers read it:\n{story}\n\nSend a new one to change it, or send skip.")
SAVED = N_("Thank you! Buyers now read your story on your shop's page.")
KEPT = N_("OK, your story stays as it is.")
SKIP_PAYLOAD = "story:skip"


class Step(StrEnum):
    STORY = "story"


def start(ctx: StepContext, arg: str) -> StepResult:
    story = current_artisan(ctx).story
    question = ctx._(SHOWN).format(story=story) if story else ctx._(onboarding_text.ASK_STORY)
    skip = Choice(ctx._(onboarding_text.SKIP), SKIP_PAYLOAD, TapWord.SKIP)
    ctx.ask(question, [skip])
    return StepResult(Step.STORY)


def story(ctx: StepContext, inbound: Inbound) -> StepResult:
    typed = clean_display(inbound.text)
    if inbound.payload == SKIP_PAYLOAD or is_skip(typed):
        ctx.say(ctx._(KEPT))
        return ctx.begin(FlowRegistry.MENU)
    if not typed:
        return start(ctx, "")
    try:
        people.set_story(ctx.session, current_artisan(ctx).id, typed)
    except people.InvalidRegistration:
        ctx.say(ctx._(onboarding_text.STORY_TOO_LONG))
        return StepResult(Step.STORY)
    ctx.say(ctx._(SAVED))
    return ctx.begin(FlowRegistry.MENU)


def register(registry: FlowRegistry) -> None:
    registry.add(
        Flow(FLOW, {Step.STORY: story}, start, prompts={Step.STORY: lambda ctx: start(ctx, "")})
    )
    registry.add_menu_entry(
        # Rarely used once told: on the "More" page (91), beside language and help.
        MenuEntry("story", MENU_LABEL, FLOW, MenuGroup.GENERAL, 1, visible=with_role(Role.ARTISAN))
    )
