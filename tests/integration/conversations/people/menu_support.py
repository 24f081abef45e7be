"""Helpers for the People menu transcripts: the shop's owner on WhatsApp, sellers who open
their shops in the chat, who someone is, and the audit as `soko admin roles list --history`
prints it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine

from bot.cli import main
from store.models import Channel, Role, User
from store.services import owners, people
from store.uow import UnitOfWorkFactory

if TYPE_CHECKING:  # conftest uses these helpers for its fixtures
    from tests.integration.conversations.people.conftest import WhatsAppChat

OWNER = "+254711000001"
NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
ASK = "Type a phone number (any form, like 0712 345 678) or part of a shop’s name:\n1. Menu"
SWAHILI_ASK = (
    "Andika namba ya simu (kwa namna yoyote, kama 0712 345 678) au sehemu ya jina la duka:\n"
    "1. Menyu"
)
AMINA = "+254722000444"
NEEMA = "+254733000555"
CARD_ACTIONS = (
    "1. Make mentor\n2. Suspend shop\n3. Make community manager\n4. Record a visit\n"
    "5. Find someone else\n6. Menu"
)
NEVER_VISITED = "Workshop: never visited.\n"
AMINA_CARD = (
    "Amina Wanjiru\nPhone: 0722 000444\nRoles: artisan\nShop: Amina Beads, Kibera\n"
    "Her shop is independent.\n" + NEVER_VISITED + CARD_ACTIONS
)
AMINA_MENTOR_CARD = (
    "Amina Wanjiru\nPhone: 0722 000444\nRoles: mentor, artisan\nShop: Amina Beads, Kibera\n"
    "Her shop is independent.\n" + NEVER_VISITED + "1. Stop mentoring\n2. Suspend shop\n"
    "3. Make community manager\n4. Record a visit\n5. Find someone else\n6. Menu"
)
AMINA_SUSPENDED_CARD = (
    "Amina Wanjiru\nPhone: 0722 000444\nRoles: artisan\nShop: Amina Beads, Kibera\n"
    "Her shop is suspended.\n" + NEVER_VISITED + "1. Reinstate shop\n2. Make community manager\n"
    "3. Record a visit\n4. Find someone else\n5. Menu"
)
NOT_ALLOWED = ["Sorry, you can't do that."]


Audit = Callable[[], list[str]]


def start_with_owners(uow_factory: UnitOfWorkFactory, *phones: str) -> None:
    """What `soko run` does at start with ADMIN_PHONES."""
    with uow_factory() as uow:
        owners.sync_owners(uow.session, phones, NOW)
        uow.commit()


def owner_on_whatsapp(
    on_whatsapp: Callable[..., WhatsAppChat], uow_factory: UnitOfWorkFactory
) -> WhatsAppChat:
    """Grace, the owner (ADMIN_PHONES), at her menu in English."""
    start_with_owners(uow_factory, OWNER)
    grace = on_whatsapp(OWNER, name="Grace")
    grace.send("Hi")
    grace.send("1")
    return grace


def seller_on_whatsapp(
    on_whatsapp: Callable[..., WhatsAppChat], phone: str, name: str, shop: str, place: str
) -> WhatsAppChat:
    """A seller who greets in Swahili and opens her shop in the chat, as sellers do."""
    seller = on_whatsapp(phone, locale_hint=None)
    for answer in ("Habari", "menyu", "Uza vito vyako", shop, place, "1"):
        seller.send(answer)
    for answer in ("Badilisha kitu", "Jina", name):  # her own name, not her WhatsApp one
        seller.send(answer)
    opened = seller.send("1")
    assert opened[0] == f"Hongera! Duka lako {shop} limefunguliwa."
    return seller


def user_id(uow_factory: UnitOfWorkFactory, phone: str) -> int:
    """Who writes from this WhatsApp number."""
    with uow_factory(read_only=True) as uow:
        user = people.user_for_identity(uow.session, Channel.WHATSAPP, phone)
        assert user is not None
        return user.id


def roles_of(uow_factory: UnitOfWorkFactory, user_id: int) -> set[Role]:
    with uow_factory(read_only=True) as uow:
        user = uow.session.get(User, user_id)
        assert user is not None
        return {r.role for r in user.roles}


def history(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> list[str]:
    """`soko admin roles list --history`, line by line, without the time."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("ADMIN_PHONES", OWNER)
    capsys.readouterr()
    assert main(["admin", "roles", "list", "--history"]) == 0
    return [" ".join(line.split()[3:]) for line in capsys.readouterr().out.splitlines()]


def community_manager(
    grace: WhatsAppChat, on_whatsapp: Callable[..., WhatsAppChat], phone: str, name: str
) -> WhatsAppChat:
    """Someone who writes on WhatsApp, made a community manager by the owner in chat."""
    manager = on_whatsapp(phone, name=name)
    manager.send("Hi")
    manager.send("1")
    grace.send("menu")
    grace.send("People")
    grace.send(phone)
    assert grace.send("Make community manager")[0] == (
        f"{name} is now a community manager; she has been told."
    )
    grace.send("menu")
    manager.send("menu")  # as she is told to
    return manager
