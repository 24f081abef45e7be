"""What the long-running commands do with ADMIN_PHONES when they start (`bot.owners`), on
both databases: owners made and told once, a number taken out loses its roles and is told,
an entry that is no number is left out with a warning."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.container import Container
from bot.owners import sync_owners
from bot.settings import Settings
from conversations.outbox import outbound_of
from store.models import OutboxMessage, Role, User
from store.services import roles
from tests.factories import make_user
from tests.said import things_said

GRACE, WANJIRU = "+254711000001", "+254711000002"


def container_with(engine: Engine, tmp_path: Path, admin_phones: str) -> Container:
    return Container(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=engine.url.render_as_string(hide_password=False),
            media_dir=tmp_path / "media",
            admin_phones=admin_phones,  # type: ignore[arg-type]
        )
    )


def test_owners_are_made_told_once_and_unmade_at_the_next_start(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = container_with(engine, tmp_path, f"0711 000 001, {WANJIRU}, not-a-number")
    with first.uow_factory() as uow:
        grace = make_user(uow.session, "Grace", phone=GRACE, locale="sw")
        uow.commit()
    with caplog.at_level(logging.WARNING, logger="bot.owners"):
        sync_owners(first)
        sync_owners(first)  # a second worker starting: nothing more
    assert "'not-a-number' is not a phone number" in caplog.text

    with first.uow_factory() as uow:
        user = uow.session.get(User, grace.id)
        assert user is not None
        assert {r.role for r in user.roles} == {Role.OWNER, Role.COMMUNITY_MANAGER}
        assert [(p.phone, p.role) for p in roles.promises(uow.session)] == [
            (WANJIRU, Role.COMMUNITY_MANAGER),
            (WANJIRU, Role.OWNER),
        ]
        told = things_said(outbound_of(row) for row in uow.session.scalars(select(OutboxMessage)))
    first.close()
    assert told == [  # one message for both roles, in her language
        "Sasa wewe ni mmoja wa wamiliki wa duka hili la Soko: unakagua bidhaa mpya (“Kagua "
        "bidhaa” kwenye menyu) na unateua walezi na wasimamizi wa jamii (“Watu”)."
    ]

    later = container_with(engine, tmp_path, WANJIRU)  # Grace's number taken out
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.owners"):
        sync_owners(later)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"ADMIN_PHONES: {GRACE} is no longer an owner (not in the setting)"),
        ("INFO", "ADMIN_PHONES: 2 role change(s) applied"),
    ]
    with later.uow_factory() as uow:
        user = uow.session.get(User, grace.id)
        assert user is not None
        assert user.roles == []
        told = things_said(outbound_of(row) for row in uow.session.scalars(select(OutboxMessage)))
    later.close()
    assert told[1:] == ["Wewe si mmoja wa wamiliki wa duka hili la Soko tena."]


@pytest.mark.parametrize("setting", ["", "  "])
def test_a_start_without_admin_phones_keeps_the_owners_and_says_so(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture, setting: str
) -> None:
    """One unit file or a `soko chat` in another folder without the setting must not demote
    every owner (and tell each of them)."""
    first = container_with(engine, tmp_path, f"{GRACE}, {WANJIRU}")
    with first.uow_factory() as uow:
        grace = make_user(uow.session, "Grace", phone=GRACE)
        uow.commit()
    sync_owners(first)
    first.close()

    bare = container_with(engine, tmp_path, setting)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.owners"):
        sync_owners(bare)
    with bare.uow_factory() as uow:
        user = uow.session.get(User, grace.id)
        assert user is not None
        assert {r.role for r in user.roles} == {Role.OWNER, Role.COMMUNITY_MANAGER}
        assert len(roles.promises(uow.session)) == 2  # Wanjiru's, still waiting
        told = uow.session.scalars(select(OutboxMessage)).all()
    bare.close()
    assert len(told) == 1  # Grace was told she is an owner; nobody is told otherwise
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings[-1] == (
        "ADMIN_PHONES is empty: keeping the owners there are (1 person, 1 number not known "
        "yet); set it to change them"
    )
    assert GRACE not in caplog.text


def test_a_shop_without_owners_and_without_the_setting_says_nothing(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bare = container_with(engine, tmp_path, "")
    with caplog.at_level(logging.INFO, logger="bot.owners"):
        sync_owners(bare)
    bare.close()
    assert caplog.records == []
