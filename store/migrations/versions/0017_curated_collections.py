"""curated collections made in the chat: titles and stories in Swahili, a cover piece, published
and featured; the people audit records a manager's changes to them

Collections there were (the demo's, a seed's) were on show: they stay published, as from when
they were made, and the oldest of them is featured.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.models.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ACTIONS_BEFORE = (
    "grant",
    "revoke",
    "promise",
    "withdraw",
    "suspend",
    "reinstate",
    "merge",
    "merge_refused",
)
_ACTIONS = (
    *_ACTIONS_BEFORE,
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


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("collections", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("title_sw", sa.String(length=80), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("description_sw", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("cover_product_id", _ID, nullable=True))
        batch_op.add_column(
            sa.Column("featured", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("published_at", store.models.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("created_by_user_id", _ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_collections_cover_product_id_products"),
            "products",
            ["cover_product_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_collections_created_by_user_id_users"),
            "users",
            ["created_by_user_id"],
            ["id"],
        )
    # The defaults were for the rows there were; the application sets every value.
    with op.batch_alter_table("collections", schema=None) as batch_op:
        batch_op.alter_column("title_sw", server_default=None)
        batch_op.alter_column("description_sw", server_default=None)
        batch_op.alter_column("featured", server_default=None)
    op.create_index(
        "uq_collections_featured",
        "collections",
        ["featured"],
        unique=True,
        sqlite_where=sa.text("featured"),
        postgresql_where=sa.text("featured"),
    )
    op.execute("UPDATE collections SET published_at = created_at WHERE active")
    op.execute(
        "UPDATE collections SET featured = true WHERE id = "
        "(SELECT min(id) FROM collections WHERE active)"
    )

    with op.batch_alter_table("people_audit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("collection_id", _ID, nullable=True))
        batch_op.add_column(sa.Column("product_id", _ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_people_audit_collection_id_collections"),
            "collections",
            ["collection_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_people_audit_product_id_products"), "products", ["product_id"], ["id"]
        )
        batch_op.drop_constraint(op.f("ck_people_audit_audit_action"), type_="check")
        batch_op.create_check_constraint("audit_action", _in("action", _ACTIONS))


def downgrade() -> None:
    op.execute("DELETE FROM people_audit WHERE action LIKE 'collection_%'")
    with op.batch_alter_table("people_audit", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_people_audit_audit_action"), type_="check")
        batch_op.create_check_constraint("audit_action", _in("action", _ACTIONS_BEFORE))
        batch_op.drop_constraint(
            batch_op.f("fk_people_audit_product_id_products"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_people_audit_collection_id_collections"), type_="foreignkey"
        )
        batch_op.drop_column("product_id")
        batch_op.drop_column("collection_id")

    op.drop_index("uq_collections_featured", table_name="collections")
    with op.batch_alter_table("collections", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_collections_created_by_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_collections_cover_product_id_products"), type_="foreignkey"
        )
        batch_op.drop_column("created_by_user_id")
        batch_op.drop_column("published_at")
        batch_op.drop_column("featured")
        batch_op.drop_column("cover_product_id")
        batch_op.drop_column("description_sw")
        batch_op.drop_column("title_sw")
