"""workshop visits: what a community manager saw at an artisan's workshop, passed or to
follow up, and the audit's new action for it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.models.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = store.models.types.JSONType
_ACTIONS_BEFORE = (
    "grant",
    "revoke",
    "promise",
    "withdraw",
    "suspend",
    "reinstate",
    "merge",
    "merge_refused",
    "collection_create",
    "collection_edit",
    "collection_add",
    "collection_remove",
    "collection_move",
    "collection_cover",
    "collection_publish",
    "collection_unpublish",
    "collection_feature",
)
_ACTIONS_AFTER = (*_ACTIONS_BEFORE, "visit")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    op.create_table(
        "workshop_visits",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("artisan_id", _ID, nullable=False),
        sa.Column("manager_id", _ID, nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "passed",
                "follow_up",
                name="visit_outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("checks", _JSON, nullable=False),
        sa.Column("photo_keys", _JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_at", store.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["artisan_id"], ["artisans.id"], name=op.f("fk_workshop_visits_artisan_id_artisans")
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["users.id"], name=op.f("fk_workshop_visits_manager_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_visits")),
    )
    op.create_index(
        "ix_workshop_visits_artisan", "workshop_visits", ["artisan_id", "visited_on"], unique=False
    )
    with op.batch_alter_table("people_audit", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_people_audit_audit_action"), type_="check")
        batch_op.create_check_constraint("audit_action", _in("action", _ACTIONS_AFTER))


def downgrade() -> None:
    op.execute("DELETE FROM people_audit WHERE action = 'visit'")
    with op.batch_alter_table("people_audit", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_people_audit_audit_action"), type_="check")
        batch_op.create_check_constraint("audit_action", _in("action", _ACTIONS_BEFORE))
    op.drop_index("ix_workshop_visits_artisan", table_name="workshop_visits")
    op.drop_table("workshop_visits")
