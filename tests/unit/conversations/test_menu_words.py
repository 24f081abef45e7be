"""A menu entry's name typed in the middle of a flow (`menu_words`), without a database: a
test flow with a list, a search and a title step, and two entries of her menu."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy.orm import Session

from conversations.dispatch import context_from_snapshot, run_turn, snapshot_of
from conversations.flow import (
    END,
    Answer,
    Flow,
    FlowRegistry,
    MenuEntry,
    MenuGroup,
    StepContext,
    StepResult,
    with_role,
)
from conversations.flows import core_registry, manager_week, people
from conversations.messages import Choice, Inbound
from conversations.plain_text import render
from conversations.state import ConversationSnapshot, MemoryStateStore
from store.models import Channel, Role, User, UserRole
from tests.market_support import make_market

SHOP = make_market(Path(tempfile.gettempdir()) / "soko-unit-media")


class Step(StrEnum):
    LIST = "list"
    FIND = "find"
    TITLE = "title"


def start(ctx: StepContext, arg: str) -> StepResult:
    """`arg` is the step to ask; the list offers a choice worded as a menu entry."""
    step = Step(arg or Step.LIST)
    choices = [Choice("Shanga za Amina", "test:amina"), Choice("Cancel", "test:cancel")]
    if step is Step.LIST:
        choices.append(Choice(ctx._(people.MENU_LABEL), "test:people"))
    ctx.ask(f"{step} question", choices)
    return StepResult(step)


def read(ctx: StepContext, inbound: Inbound) -> StepResult:
    ctx.say(f"{ctx.step} read {inbound.text!r} {inbound.payload}")
    return StepResult(END)


def opened(ctx: StepContext, arg: str) -> StepResult:
    ctx.say("My week opened")
    return StepResult(END)


def registry() -> FlowRegistry:
    flows = core_registry()
    steps = {Step.LIST: read, Step.FIND: read, Step.TITLE: read}
    answers: dict[StrEnum, Answer] = {Step.LIST: Answer.CHOICE, Step.FIND: Answer.SEARCH}
    flows.add(Flow("test", steps, start, answers=answers))
    flows.add(Flow("week", {}, opened))
    manager = with_role(Role.COMMUNITY_MANAGER)
    label = manager_week.MENU_LABEL
    week = MenuEntry("week", label, "week", MenuGroup.MANAGING, 1, visible=manager)
    flows.add_menu_entry(week)
    flows.add_menu_entry(MenuEntry("people", people.MENU_LABEL, "test", MenuGroup.MANAGING, 2))
    return flows


class Person:
    def __init__(self, locale: str, *, manager: bool = True) -> None:
        self.user = User(id=1, locale=locale, display_name="Neema")
        self.user.roles = [UserRole(role=Role.COMMUNITY_MANAGER)] if manager else []
        self.states = MemoryStateStore()
        self.registry = registry()

    def at(self, step: Step) -> None:
        loaded = self.states.load(1)
        ctx = self._context(loaded)
        asked = ctx.begin("test", step.value)
        assert isinstance(asked.next, StrEnum)
        ctx.step = asked.next.value
        self.states.save(1, snapshot_of(ctx, loaded))

    def send(self, text: str) -> list[str]:
        loaded = self.states.load(1)
        ctx = self._context(loaded)
        run_turn(ctx, Inbound(Channel.TELEGRAM, "me", "2", text), is_new=False)
        self.states.save(1, snapshot_of(ctx, loaded))
        return [render(reply) for reply in ctx.replies]

    def _context(self, loaded: ConversationSnapshot) -> StepContext:
        return context_from_snapshot(
            loaded,
            session=cast(Session, None),
            user=self.user,
            channel=Channel.TELEGRAM,
            now=datetime(2026, 3, 1, tzinfo=UTC),
            registry=self.registry,
            market=SHOP,
        )


@pytest.mark.parametrize(
    ("locale", "typed"),
    [("en", "My week"), ("sw", "Wiki yangu"), ("sw", "  wiki   YANGU! "), ("en", "wiki yangu")],
)
def test_an_entrys_name_opens_it_at_a_list_and_at_a_search(locale: str, typed: str) -> None:
    neema = Person(locale)
    for step in (Step.LIST, Step.FIND):
        neema.at(step)
        assert neema.send(typed) == ["My week opened"]


def test_an_offered_choice_named_like_an_entry_wins() -> None:
    neema = Person("sw")
    neema.at(Step.LIST)
    assert neema.send("watu") == ["list read 'watu' test:people"]  # the list's own "People"
    neema.at(Step.FIND)  # not offered there: the entry (this test's "People" starts its list)
    assert neema.send("People") == ["list question\n1. Shanga za Amina\n2. Cancel\n3. Watu"]


def test_a_step_reading_her_own_words_keeps_them() -> None:
    neema = Person("en")
    neema.at(Step.TITLE)  # not declared: a title could be "My week"
    assert neema.send("My week") == ["title read 'My week' None"]


@pytest.mark.parametrize("typed", ["My week please", "my weeks", "42", "Shanga"])
def test_only_an_entrys_whole_name_opens_it(typed: str) -> None:
    neema = Person("en")
    neema.at(Step.FIND)
    assert neema.send(typed) == [f"find read {typed!r} None"]


def test_an_entry_she_may_not_use_is_just_words() -> None:
    buyer = Person("en", manager=False)
    buyer.at(Step.FIND)
    assert buyer.send("My week") == ["find read 'My week' None"]
