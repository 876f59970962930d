"""Known scam images: items, crop hashes, the 16-bit chunk index and its counts (issue 11).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create image_items, image_hashes, image_hash_chunks and image_chunk_counts."""
    op.create_table(
        "image_items",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("key", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("pattern_id", sa.String(length=80), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("provenance", sa.Text(), nullable=False),
        sa.Column("n_hashes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_items")),
        sa.UniqueConstraint("key", name=op.f("uq_image_items_key")),
    )
    op.create_index(
        op.f("ix_image_items_pattern_id"), "image_items", ["pattern_id"], unique=False
    )
    op.create_table(
        "image_hashes",
        sa.Column("item_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("crop", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_key"],
            ["image_items.key"],
            name=op.f("fk_image_hashes_item_key_image_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_key", "crop", name=op.f("pk_image_hashes")),
    )
    op.create_table(
        "image_hash_chunks",
        sa.Column("chunk", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("item_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("crop", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["item_key"],
            ["image_items.key"],
            name=op.f("fk_image_hash_chunks_item_key_image_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "chunk", "item_key", "crop", name=op.f("pk_image_hash_chunks")
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_image_hash_chunks_item_key"), "image_hash_chunks", ["item_key"], unique=False
    )
    op.create_table(
        "image_chunk_counts",
        sa.Column("chunk", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("chunk", name=op.f("pk_image_chunk_counts")),
    )


def downgrade() -> None:
    """Drop the four image tables."""
    op.drop_table("image_chunk_counts")
    op.drop_index(op.f("ix_image_hash_chunks_item_key"), table_name="image_hash_chunks")
    op.drop_table("image_hash_chunks")
    op.drop_table("image_hashes")
    op.drop_index(op.f("ix_image_items_pattern_id"), table_name="image_items")
    op.drop_table("image_items")
