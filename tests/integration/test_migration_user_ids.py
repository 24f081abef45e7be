"""Migration 0004 on both databases: a user id is never handed out twice. Joining two accounts
deletes the newer user, and its id travels on in People cards and open questions; SQLite gave
a deleted highest id to the next person who wrote (PostgreSQL's sequences never did). The
users table keeps every row, role and reference it had."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, text

from store.migrate import downgrade, upgrade

AT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _add_user(engine: Engine, name: str) -> int:
    """Someone writes for the first time: a user and her channel account."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (display_name, locale, nudges_opted_out, created_at) "
                "VALUES (:name, 'sw', false, :at)"
            ),
            {"name": name, "at": AT},
        )
        user_id = connection.scalar(
            text("SELECT id FROM users WHERE display_name = :name"), {"name": name}
        )
        assert isinstance(user_id, int)
        connection.execute(
            text(
                "INSERT INTO identities (user_id, channel, platform_user_id, profile_name, "
                "created_at) VALUES (:user, 'whatsapp', :name, '', :at)"
            ),
            {"user": user_id, "name": name, "at": AT},
        )
        return user_id


def _join(engine: Engine, newer: int, older: int) -> None:
    """What joining two accounts does to the users table: the newer one's identities and
    references move to the older, and the newer row is deleted."""
    with engine.begin() as connection:
        for table in ("identities", "user_roles"):
            connection.execute(
                text(f"UPDATE {table} SET user_id = :older WHERE user_id = :newer"),
                {"older": older, "newer": newer},
            )
        connection.execute(text("DELETE FROM users WHERE id = :id"), {"id": newer})


def test_a_joined_accounts_id_is_never_given_again(engine: Engine) -> None:
    grace = _add_user(engine, "Grace")
    zawadi = _add_user(engine, "Zawadi on WhatsApp")
    _join(engine, zawadi, grace)
    assert _add_user(engine, "Mallory") > zawadi


def test_upgrading_keeps_everyone_and_never_gives_an_id_freed_before(engine: Engine) -> None:
    downgrade(engine, "0003")
    grace = _add_user(engine, "Grace")
    wanjiru = _add_user(engine, "Wanjiru")
    zawadi = _add_user(engine, "Zawadi on WhatsApp")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO user_roles (user_id, role, source, granted_at) VALUES "
                "(:grace, 'owner', 'admin_phones', :at), (:wanjiru, 'artisan', 'granted', :at), "
                "(:zawadi, 'mentor', 'granted', :at)"
            ),
            {"grace": grace, "wanjiru": wanjiru, "zawadi": zawadi, "at": AT},
        )
        connection.execute(
            text(
                "INSERT INTO artisans (user_id, shop_name, slug, location, story, status, "
                "created_at) VALUES (:wanjiru, 'Shop', 'shop', 'Kibera', '', 'independent', :at)"
            ),
            {"wanjiru": wanjiru, "at": AT},
        )
    _join(engine, zawadi, grace)  # before the upgrade: SQLite would give her id again
    upgrade(engine)
    with engine.connect() as connection:
        users = connection.execute(text("SELECT id, display_name FROM users ORDER BY id")).all()
        held = connection.execute(
            text("SELECT user_id, role FROM user_roles ORDER BY user_id, role")
        ).all()
        shop = connection.scalar(text("SELECT user_id FROM artisans"))
    assert [tuple(row) for row in users] == [(grace, "Grace"), (wanjiru, "Wanjiru")]
    assert [tuple(row) for row in held] == [
        (grace, "mentor"),
        (grace, "owner"),
        (wanjiru, "artisan"),
    ]
    assert shop == wanjiru
    mallory = _add_user(engine, "Mallory")
    assert mallory > zawadi
    _join(engine, mallory, grace)
    assert _add_user(engine, "Next") > mallory


def test_downgrading_and_upgrading_again_round_trips(engine: Engine) -> None:
    _add_user(engine, "Grace")
    downgrade(engine, "0003")
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT display_name FROM users")) == "Grace"
