"""One turn at a time without a database: the engine's dispatch with the memory state store."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from sqlalchemy.orm import Session

from conversations.dispatch import context_from_snapshot, run_turn, snapshot_of
from conversations.flows import core_registry
from conversations.messages import Inbound
from conversations.plain_text import render
from conversations.state import ConversationSnapshot, MemoryStateStore
from store.models import Channel, User
from tests.market_support import make_market

SHOP = make_market(Path(tempfile.gettempdir()) / "soko-unit-media")


class Person:
    def __init__(self, locale: str = "en") -> None:
        self.user = User(id=1, locale=locale, display_name="Amina")
        self.user.roles = []
        self.states = MemoryStateStore()
        self.registry = core_registry()
        self.first = True

    def send(self, text: str = "", payload: str | None = None) -> list[str]:
        loaded = self.states.load(1)
        ctx = context_from_snapshot(
            loaded,
            session=cast(Session, None),  # the built-in flows never touch the database
            user=self.user,
            channel=Channel.CONSOLE,
            now=datetime(2025, 3, 1, tzinfo=UTC),
            registry=self.registry,
            market=SHOP,
        )
        run_turn(ctx, Inbound(Channel.CONSOLE, "me", "1", text, payload=payload), is_new=self.first)
        self.first = False
        self.states.save(1, snapshot_of(ctx, loaded))
        return [render(reply) for reply in ctx.replies]


def test_welcome_then_switch_to_swahili_and_back() -> None:
    amina = Person()
    assert amina.send("hello")[0] == "Welcome to Soko! Buy and sell handmade jewelry."
    assert amina.send("Kiswahili") == [
        "Sawa, tutaongea kwa Kiswahili.",
        "Ungependa kufanya nini?\n98. Lugha\n99. Msaada",
    ]
    assert amina.user.locale == "sw"
    assert amina.send("98") == ["Chagua lugha yako:\n1. English\n2. Kiswahili"]
    assert amina.send(payload="lang:en")[0] == "OK, we'll chat in English."
    assert amina.user.locale == "en"


def test_stale_state_from_older_code_starts_afresh() -> None:
    amina = Person()
    amina.send("hello")
    amina.states.save(1, ConversationSnapshot("gone-flow", "x", {}, version=1))
    assert amina.send("anything") == ["What would you like to do?\n98. Language\n99. Help"]


def test_only_a_turns_first_reply_may_replace_the_tapped_message() -> None:
    """Said after something else, a page shown in the old message would sit above that."""
    ctx = context_from_snapshot(
        ConversationSnapshot(),
        session=cast(Session, None),
        user=User(id=1, locale="en", display_name="Amina"),
        channel=Channel.TELEGRAM,
        now=datetime(2025, 3, 1, tzinfo=UTC),
        registry=core_registry(),
        market=SHOP,
    )
    ctx.ask("page 2", [], in_place=True)
    assert ctx.replies[-1].replaces == ""  # nothing was tapped
    ctx.tapped = "17"
    ctx.replies.clear()
    ctx.ask("page 2", [], in_place=True)
    ctx.ask("page 3", [], in_place=True)
    ctx.say("after")
    assert [reply.replaces for reply in ctx.replies] == ["17", "", ""]
    ctx.replies.clear()
    ctx.say("Please choose")
    ctx.ask("page 2", [], in_place=True)
    assert [reply.replaces for reply in ctx.replies] == ["", ""]


def test_an_old_button_is_never_words_and_a_menu_button_works_from_any_message() -> None:
    amina = Person()
    amina.send("hello")
    amina.send("English")
    languages = "Choose your language:\n1. English\n2. Kiswahili"
    assert amina.send("Language") == [languages]
    # Not offered by the question in progress: answered, and the question asked again.
    earlier = "That button is from an earlier message."
    assert amina.send(payload="menu:nothing") == [earlier, languages]
    assert amina.send(payload="w:start") == [earlier, languages]  # not a word a button says
    assert amina.send(payload="x" * 80) == [earlier, languages]
    # A button that says a global word is obeyed from any message, as the typed word.
    assert amina.send(payload="w:help")[0].startswith("Reply with a number, or choose an answer.")
    assert amina.send(payload="w:menu") == ["What would you like to do?\n98. Language\n99. Help"]
    assert amina.user.locale == "en"
