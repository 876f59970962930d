"""Audio index at scale: integer item keys in the landmark rows, per-hash row counts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rows are copied through a plain scratch table: the landmark table is recreated under its own
# name, so its constraint and index names stay the ones the models expect on both backends.
SCRATCH = "audio_hashes_migrating"


def upgrade() -> None:
    """Give items an integer key, point landmarks at it, count rows per hash."""
    with op.batch_alter_table("audio_items") as batch:
        batch.add_column(sa.Column("key", sa.Integer(), nullable=True))
    # Number the existing items 1..n in id order (a few presets and moderator additions).
    op.execute(
        "UPDATE audio_items SET key = "
        "(SELECT count(*) FROM audio_items AS other WHERE other.id <= audio_items.id)"
    )
    with op.batch_alter_table("audio_items") as batch:
        batch.alter_column("key", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint(batch.f("uq_audio_items_key"), ["key"])
    op.execute(
        f"CREATE TABLE {SCRATCH} AS SELECT h.hash AS hash, i.key AS item_key, h.t AS t "
        "FROM audio_hashes AS h JOIN audio_items AS i ON i.id = h.item_id"
    )
    op.drop_index(op.f("ix_audio_hashes_item_id"), table_name="audio_hashes")
    op.drop_table("audio_hashes")
    op.create_table(
        "audio_hashes",
        sa.Column("hash", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("item_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("t", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["item_key"],
            ["audio_items.key"],
            name=op.f("fk_audio_hashes_item_key_audio_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hash", "item_key", "t", name=op.f("pk_audio_hashes")),
        sqlite_with_rowid=False,  # rows live in the key's B-tree: half the file size on SQLite
    )
    op.execute(
        f"INSERT INTO audio_hashes (hash, item_key, t) SELECT hash, item_key, t FROM {SCRATCH}"
    )
    op.drop_table(SCRATCH)
    op.create_index(op.f("ix_audio_hashes_item_key"), "audio_hashes", ["item_key"], unique=False)
    op.create_table(
        "audio_hash_counts",
        sa.Column("hash", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_audio_hash_counts")),
    )
    op.execute(
        "INSERT INTO audio_hash_counts (hash, n_rows) "
        "SELECT hash, count(*) FROM audio_hashes GROUP BY hash"
    )


def downgrade() -> None:
    """Landmarks point at the string id again; drop the key and the counts."""
    op.drop_table("audio_hash_counts")
    op.execute(
        f"CREATE TABLE {SCRATCH} AS SELECT h.hash AS hash, i.id AS item_id, h.t AS t "
        "FROM audio_hashes AS h JOIN audio_items AS i ON i.key = h.item_key"
    )
    op.drop_index(op.f("ix_audio_hashes_item_key"), table_name="audio_hashes")
    op.drop_table("audio_hashes")
    op.create_table(
        "audio_hashes",
        sa.Column("hash", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("item_id", sa.String(length=80), nullable=False),
        sa.Column("t", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["audio_items.id"],
            name=op.f("fk_audio_hashes_item_id_audio_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hash", "item_id", "t", name=op.f("pk_audio_hashes")),
        sqlite_with_rowid=False,
    )
    op.execute(
        f"INSERT INTO audio_hashes (hash, item_id, t) SELECT hash, item_id, t FROM {SCRATCH}"
    )
    op.drop_table(SCRATCH)
    op.create_index(op.f("ix_audio_hashes_item_id"), "audio_hashes", ["item_id"], unique=False)
    with op.batch_alter_table("audio_items") as batch:
        batch.drop_constraint(batch.f("uq_audio_items_key"), type_="unique")
        batch.drop_column("key")
