"""At every question of every flow, a typed yes or no where buttons were offered is an answer
to the buttons: it picks the one that means it (declared, or by its label's first word), or
it is refused kindly and the question asked again. It never reaches the step as text, to be
kept as her name, place, story, reason or search (issue 19, item 4).

The walk goes over every step of the shop's registry, each step and prompt replaced by a
recorder, and over the shapes of buttons the flows offer."""

from __future__ import annotations

import dataclasses
import tempfile
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy.orm import Session

from conversations.choices import meaning_of
from conversations.dispatch import run_turn
from conversations.flow import END, FlowRegistry, PromptFn, StepContext, StepFn, StepResult
from conversations.flows import builtin_registry
from conversations.i18n import Translator
from conversations.messages import Choice, Inbound, TapWord
from store.models import Channel, User
from tests.market_support import make_market

SHOP = make_market(Path(tempfile.gettempdir()) / "soko-unit-media")
PROMPTED = "the question again"

# The shapes of buttons questions offer: declared meanings, meanings by label, none.
OFFERS: dict[str, tuple[Choice, ...]] = {
    "use the pin": (Choice("Use the pin", "t:pin", TapWord.YES),),
    "open a shop": (
        Choice("Open my shop", "t:open", TapWord.YES),
        Choice("Not now", "t:later", TapWord.NO),
    ),
    "yes or no by label": (Choice("Ndiyo, ghairi", "t:yes"), Choice("Hapana, usighairi", "t:no")),
    "story or skip": (Choice("Skip", "t:skip", TapWord.SKIP),),
    "approve": (
        Choice("Approve", "t:ok", TapWord.YES),
        Choice("Reject", "t:reject", TapWord.NO),
        Choice("Skip", "t:next", TapWord.SKIP),
    ),
    "a reason or other": (Choice("Blurry photos", "t:blur"), Choice("Other: type it", "t:other")),
}
YES_NO_WORDS = ("ndiyo", "Hapana", "yes", "No.")


REGISTRY = builtin_registry()
EVERY_QUESTION = [(flow.name, step.value) for flow in REGISTRY.flows() for step in flow.steps]


def recording(registry: FlowRegistry, reached: list[Inbound]) -> FlowRegistry:
    """The same flows and steps, each step recording what reaches it, each prompt saying
    `PROMPTED`."""

    def step(ctx: StepContext, inbound: Inbound) -> StepResult:
        reached.append(inbound)
        return StepResult(END)

    def prompt(ctx: StepContext) -> StepResult:
        ctx.say(PROMPTED)
        step, _ = ctx.registry.flow(ctx.flow).step(ctx.step)
        return StepResult(step)

    recorded = FlowRegistry()
    for flow in registry.flows():
        steps: dict[StrEnum, StepFn] = dict.fromkeys(flow.steps, step)
        prompts: dict[StrEnum, PromptFn] = dict.fromkeys(flow.steps, prompt)
        recorded.add(dataclasses.replace(flow, steps=steps, prompts=prompts))
    return recorded


def answer(
    flow: str, step: str, offered: tuple[Choice, ...], word: str
) -> tuple[Inbound | None, list[str]]:
    """What reached the step (if anything) and what she was told, for `word` typed at the
    step's question offering `offered`."""
    reached: list[Inbound] = []
    ctx = StepContext(
        session=cast(Session, None),
        user=User(id=1, locale="sw", display_name="Achieng"),
        channel=Channel.WHATSAPP,
        now=datetime(2025, 3, 1, tzinfo=UTC),
        registry=recording(REGISTRY, reached),
        translator=Translator("sw"),
        market=SHOP,
        flow=flow,
        step=step,
        offered=offered,
    )
    run_turn(ctx, Inbound(Channel.WHATSAPP, "achieng", "1", text=word), is_new=False)
    assert len(reached) <= 1
    return (reached[0] if reached else None), [reply.text for reply in ctx.replies]


@pytest.mark.parametrize(("flow", "step"), EVERY_QUESTION)
def test_a_typed_yes_or_no_picks_a_button_or_is_refused_never_text(flow: str, step: str) -> None:
    # Refused, the step's question is asked again in the flow's own words.
    assert REGISTRY.flow(flow).prompt(step) is not None
    for offered in OFFERS.values():
        for word in YES_NO_WORDS:
            reached, said = answer(flow, step, offered, word)
            if reached is None:
                assert said == [f"Samahani, “{word}” si mojawapo ya majibu hapa.", PROMPTED]
                continue
            picked = next(choice for choice in offered if choice.payload == reached.payload)
            if word.casefold() in ("ndiyo", "yes"):
                assert meaning_of(picked) is TapWord.YES
            else:  # a no declines: the no button, or where there is none the skip button
                assert meaning_of(picked) in (TapWord.NO, TapWord.SKIP)
            assert said == []


def test_the_walk_covers_the_questions_people_answer_in_words() -> None:
    for question in [
        ("onboarding", "name"),
        ("onboarding", "location"),
        ("onboarding", "story"),
        ("listing", "seller"),
        ("listing", "description"),
        ("review", "reason"),
        ("browse", "query"),
        ("checkout", "address"),
        ("people", "reason"),
    ]:
        assert question in EVERY_QUESTION
