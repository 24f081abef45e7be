"""people and roles: owners, where a role came from, promised roles, the people audit;
sellers without a mentor are independent

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 07:13:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.models.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ROLES_BEFORE = ("artisan", "mentor", "community_manager")
_ROLES = (*_ROLES_BEFORE, "owner")
_SOURCES = ("granted", "admin_phones")


def _enum(name: str, values: Sequence[str]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "promised_roles",
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("role", _enum("role", _ROLES), nullable=False),
        sa.Column("source", _enum("role_source", _SOURCES), nullable=False),
        sa.Column("promised_by_user_id", _ID, nullable=True),
        sa.Column("created_at", store.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["promised_by_user_id"],
            ["users.id"],
            name=op.f("fk_promised_roles_promised_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("phone", "role", name=op.f("pk_promised_roles")),
    )
    op.create_table(
        "people_audit",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("at", store.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "actor", _enum("actor_kind", ("user", "operator", "admin_phones")), nullable=False
        ),
        sa.Column("actor_user_id", _ID, nullable=True),
        sa.Column(
            "action",
            _enum(
                "audit_action",
                (
                    "grant",
                    "revoke",
                    "promise",
                    "withdraw",
                    "suspend",
                    "reinstate",
                    "merge",
                    "merge_refused",
                ),
            ),
            nullable=False,
        ),
        sa.Column("role", _enum("role", _ROLES), nullable=True),
        sa.Column("subject_user_id", _ID, nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("artisan_id", _ID, nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_people_audit_actor_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["artisan_id"], ["artisans.id"], name=op.f("fk_people_audit_artisan_id_artisans")
        ),
        sa.ForeignKeyConstraint(
            ["subject_user_id"], ["users.id"], name=op.f("fk_people_audit_subject_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people_audit")),
    )
    with op.batch_alter_table("people_audit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_people_audit_subject", ["subject_user_id", "action"], unique=False
        )

    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "source",
                sa.String(length=32),
                server_default="granted",
                nullable=False,
            )
        )
        batch_op.create_check_constraint("role_source", _in("source", _SOURCES))
        batch_op.drop_constraint(op.f("ck_user_roles_role"), type_="check")
        batch_op.create_check_constraint("role", _in("role", _ROLES))

    # A seller who opened her shop without a mentor was left "mentored" by nobody, so she
    # could never qualify nor be offered mentorship: she runs her shop alone.
    op.execute(
        "UPDATE artisans SET status = 'independent', qualified_at = created_at "
        "WHERE status = 'mentored' AND mentor_id IS NULL"
    )


def downgrade() -> None:
    # Owners' rows go: the older schema has no such role. (Independent sellers stay so.)
    op.execute("DELETE FROM user_roles WHERE role = 'owner'")
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_roles_role"), type_="check")
        batch_op.create_check_constraint("role", _in("role", _ROLES_BEFORE))
        batch_op.drop_constraint(op.f("ck_user_roles_role_source"), type_="check")
        batch_op.drop_column("source")

    with op.batch_alter_table("people_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_people_audit_subject")

    op.drop_table("people_audit")
    op.drop_table("promised_roles")
