"""user ids are never given twice: the users table AUTOINCREMENTs on SQLite

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 10:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Joining two accounts deletes the newer user, whose id lives on in People cards and open
# questions. Without AUTOINCREMENT SQLite gives the highest id again after it is deleted, to
# whoever writes next. PostgreSQL's sequences never give an id twice: nothing to do there.
#
# The sequence starts past every id a user ever had: each user was made with an identity,
# and identities are never deleted, so no user ever had an id above their highest.
_SEED = """
    UPDATE sqlite_sequence
    SET seq = MAX(seq, (SELECT COALESCE(MAX(id), 0) FROM identities))
    WHERE name = 'users'
"""
_SEED_EMPTY = """
    INSERT INTO sqlite_sequence (name, seq)
    SELECT 'users', MAX(COALESCE((SELECT MAX(id) FROM identities), 0),
                        COALESCE((SELECT MAX(id) FROM users), 0))
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'users')
"""


def upgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    _recreate_users(autoincrement=True)
    op.execute(_SEED)
    op.execute(_SEED_EMPTY)


def downgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    _recreate_users(autoincrement=False)


def _recreate_users(*, autoincrement: bool) -> None:
    with op.batch_alter_table(
        "users", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass
