"""Initial schema: users, cache, reports, groups, moderation, patterns, stats, audio index.

Revision ID: 0001
Revises:
Create Date: 2025-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every datetime is stored timezone-aware (UTC); the models wrap it in UTCDateTime.
TS = sa.DateTime(timezone=True)
WATCH_KINDS = "text,voice,audio,video,video_note,document,photo"


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "users",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_users")),
    )
    op.create_table(
        "verdict_cache",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("verdict_json", sa.Text(), nullable=False),
        sa.Column("content_version", sa.String(length=40), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("hits", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_verdict_cache")),
    )
    op.create_index(
        op.f("ix_verdict_cache_expires_at"), "verdict_cache", ["expires_at"], unique=False
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reporter_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("chat_hash", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("file_id", sa.String(length=255), nullable=True),
        sa.Column("file_unique_id", sa.String(length=64), nullable=True),
        sa.Column("audio_item_id", sa.String(length=80), nullable=True),
        sa.Column("verdict_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("consent_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("resolved_by", sa.BigInteger(), nullable=True),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_reports_expires_at"), "reports", ["expires_at"], unique=False)
    op.create_index(op.f("ix_reports_reporter_hash"), "reports", ["reporter_hash"], unique=False)
    op.create_index(op.f("ix_reports_status"), "reports", ["status"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=False),
        sa.Column("before_json", sa.Text(), nullable=True),
        sa.Column("after_json", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_audit_log_target"), "audit_log", ["target"], unique=False)
    op.create_table(
        "groups",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("sensitivity", sa.String(length=16), server_default="scam", nullable=False),
        sa.Column(
            "watch_kinds", sa.String(length=200), server_default=WATCH_KINDS, nullable=False
        ),
        sa.Column("watch_all", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("delete_scams", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("muted_until", TS, nullable=True),
        sa.Column("bot_status", sa.String(length=32), nullable=True),
        sa.Column("bot_can_delete", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_groups")),
    )
    op.create_table(
        "group_admins",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("can_change_info", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name=op.f("pk_group_admins")),
    )
    op.create_table(
        "group_warnings",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("content_key", sa.String(length=128), nullable=False),
        sa.Column("warned_at", TS, nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("chat_id", "content_key", name=op.f("pk_group_warnings")),
    )
    op.create_table(
        "false_alarms",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("content_key", sa.String(length=128), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("voter_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_false_alarms")),
        sa.UniqueConstraint(
            "content_key", "voter_hash", name=op.f("uq_false_alarms_content_key")
        ),
    )
    op.create_index(
        op.f("ix_false_alarms_content_key"), "false_alarms", ["content_key"], unique=False
    )
    op.create_table(
        "moderators",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("added_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_moderators")),
    )
    op.create_table(
        "patterns",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("body_json", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patterns")),
    )
    op.create_table(
        "pattern_versions",
        sa.Column("pattern_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("body_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("pattern_id", "version", name=op.f("pk_pattern_versions")),
    )
    op.create_table(
        "check_stats",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("pattern_id", sa.String(length=80), nullable=False),
        sa.Column("count", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "kind", "level", "pattern_id", name=op.f("pk_check_stats")
        ),
    )
    op.create_table(
        "sightings",
        sa.Column("content_key", sa.String(length=128), nullable=False),
        sa.Column("user_hash", sa.String(length=64), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("content_key", "user_hash", name=op.f("pk_sightings")),
    )
    op.create_index(op.f("ix_sightings_last_seen"), "sightings", ["last_seen"], unique=False)
    op.create_table(
        "trend_alerts",
        sa.Column("content_key", sa.String(length=128), nullable=False),
        sa.Column("alerted_at", TS, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("content_key", name=op.f("pk_trend_alerts")),
    )
    op.create_table(
        "settings_kv",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings_kv")),
    )
    # The audio fingerprint index (models in bot/storage/fingerprints.py).
    op.create_table(
        "audio_items",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("pattern_id", sa.String(length=80), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("provenance", sa.Text(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("n_hashes", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audio_items")),
    )
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
        sqlite_with_rowid=False,  # rows live in the key's B-tree: half the file size on SQLite
    )
    # Deleting an item (retention purge, moderator removal) cascades by item_id.
    op.create_index(op.f("ix_audio_hashes_item_id"), "audio_hashes", ["item_id"], unique=False)


def downgrade() -> None:
    """Drop every table (children before parents)."""
    op.drop_index(op.f("ix_audio_hashes_item_id"), table_name="audio_hashes")
    op.drop_table("audio_hashes")
    op.drop_table("audio_items")
    op.drop_table("settings_kv")
    op.drop_table("trend_alerts")
    op.drop_index(op.f("ix_sightings_last_seen"), table_name="sightings")
    op.drop_table("sightings")
    op.drop_table("check_stats")
    op.drop_table("pattern_versions")
    op.drop_table("patterns")
    op.drop_table("moderators")
    op.drop_index(op.f("ix_false_alarms_content_key"), table_name="false_alarms")
    op.drop_table("false_alarms")
    op.drop_table("group_warnings")
    op.drop_table("group_admins")
    op.drop_table("groups")
    op.drop_index(op.f("ix_audit_log_target"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_reports_status"), table_name="reports")
    op.drop_index(op.f("ix_reports_reporter_hash"), table_name="reports")
    op.drop_index(op.f("ix_reports_expires_at"), table_name="reports")
    op.drop_table("reports")
    op.drop_index(op.f("ix_verdict_cache_expires_at"), table_name="verdict_cache")
    op.drop_table("verdict_cache")
    op.drop_table("users")

