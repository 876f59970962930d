"""Ojo's tables (besides the audio fingerprint index in `fingerprints.py`)."""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base
from bot.storage.columns import UTCDateTime, utcnow

REPORT_STATUSES = ("new", "accepted", "legit", "rejected")
REPORT_SOURCES = ("private", "group")
GROUP_SENSITIVITIES = ("scam", "suspicious")
WATCHABLE_KINDS = ("text", "voice", "audio", "video", "video_note", "document", "photo")
DEFAULT_WATCH_KINDS = ",".join(WATCHABLE_KINDS)
MODERATOR_ROLES = ("owner", "moderator")
PATTERN_ORIGINS = ("preset", "moderator")
PATTERN_STATUSES = ("active", "disabled")


class User(Base):
    """A person's preferences; created only when they change one."""

    __tablename__ = "users"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VerdictCacheEntry(Base):
    """A verdict cached by content ("text:<sha256>", "file:<id>", "fp:<id>"), never by user."""

    __tablename__ = "verdict_cache"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    verdict_json: Mapped[str] = mapped_column(Text)
    content_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    hits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Report(Base):
    """Content a user chose to report; kept only until `expires_at`."""

    __tablename__ = "reports"
    # AUTOINCREMENT: a purged report's id is never reused, so stale review buttons can't hit
    # a different report.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reporter_hash: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(16))
    chat_hash: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    transcript: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[str | None] = mapped_column(String(255))
    file_unique_id: Mapped[str | None] = mapped_column(String(64))
    audio_item_id: Mapped[str | None] = mapped_column(String(80))
    verdict_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True, default="new")
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    resolved_by: Mapped[int | None] = mapped_column(BigInteger)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[str | None] = mapped_column(Text)


class AuditLogEntry(Base):
    """Who changed what, with the before and after state as JSON."""

    __tablename__ = "audit_log"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(128), index=True)
    before_json: Mapped[str | None] = mapped_column(Text)
    after_json: Mapped[str | None] = mapped_column(Text)


class Group(Base):
    """A group the bot is in, with the settings its admins chose."""

    __tablename__ = "groups"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    sensitivity: Mapped[str] = mapped_column(String(16), default="scam", server_default="scam")
    watch_kinds: Mapped[str] = mapped_column(
        String(200), default=DEFAULT_WATCH_KINDS, server_default=DEFAULT_WATCH_KINDS
    )
    # Off: only forwarded messages are analysed; on: any message with a link or media.
    watch_all: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    delete_scams: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    muted_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    bot_status: Mapped[str | None] = mapped_column(String(32))
    bot_can_delete: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GroupAdmin(Base):
    """Cached admin list of a group, refreshed from chat_member updates."""

    __tablename__ = "group_admins"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(32))
    can_change_info: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GroupWarning(Base):
    """The last warning posted in a group for a piece of content (dedupe window)."""

    __tablename__ = "group_warnings"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    content_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    warned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    message_id: Mapped[int | None] = mapped_column(BigInteger)


class FalseAlarm(Base):
    """One "false alarm" vote per (hashed) voter and content."""

    __tablename__ = "false_alarms"
    __table_args__ = (UniqueConstraint("content_key", "voter_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    content_key: Mapped[str] = mapped_column(String(128), index=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    voter_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Moderator(Base):
    """A person allowed to review reports and edit patterns."""

    __tablename__ = "moderators"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(16))
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Pattern(Base):
    """The current version of a pattern (a preset override or a moderator's own)."""

    __tablename__ = "patterns"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    body_json: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PatternVersion(Base):
    """Every version a pattern ever had, append-only."""

    __tablename__ = "pattern_versions"

    pattern_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    body_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class CheckStat(Base):
    """An aggregate counter of checks per day; no user linkage."""

    __tablename__ = "check_stats"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    # "" when nothing matched: primary-key columns can't be NULL.
    pattern_id: Mapped[str] = mapped_column(String(80), primary_key=True, default="")
    count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Sighting(Base):
    """A (hashed) user who sent a piece of content, for trend alerts."""

    __tablename__ = "sightings"

    content_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    kind: Mapped[str] = mapped_column(String(16))


class TrendAlert(Base):
    """The last time moderators were alerted about a trending piece of content."""

    __tablename__ = "trend_alerts"

    content_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    alerted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    count: Mapped[int] = mapped_column(Integer)


class SettingKV(Base):
    """A small runtime value shared by every process (e.g. the pattern-set revision)."""

    __tablename__ = "settings_kv"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ImageItem(Base):
    """A known scam image (a flyer, a meme, a fake ad) a moderator attached to a pattern.

    Only its perceptual hashes are kept (`image_hashes`), never the picture (privacy).
    """

    __tablename__ = "image_items"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    # The integer the hash and chunk rows point at, as audio_items.key: max + 1 when added.
    key: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    pattern_id: Mapped[str | None] = mapped_column(String(80), index=True)
    category: Mapped[str] = mapped_column(String(40))
    verdict: Mapped[str] = mapped_column(String(16))  # "scam" | "suspicious"
    origin: Mapped[str] = mapped_column(String(16))  # "moderator" | "preset"
    provenance: Mapped[str] = mapped_column(Text)
    n_hashes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ImageHash(Base):
    """One 256-bit pHash of a known image or of one of its crops (64 hex digits)."""

    __tablename__ = "image_hashes"

    item_key: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("image_items.key", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    crop: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))


class ImageHashChunk(Base):
    """(chunk position, 16-bit chunk value) of one stored hash: the lookup index."""

    __tablename__ = "image_hash_chunks"
    # As audio_hashes: rows live in the primary-key B-tree on SQLite (no second copy).
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012  (SQLAlchemy reads it as is)

    chunk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    item_key: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("image_items.key", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
        index=True,  # deletes by item
    )
    crop: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class ImageChunkCount(Base):
    """How many stored hashes carry each chunk: what probing that chunk costs a lookup."""

    __tablename__ = "image_chunk_counts"

    chunk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Kept by ImageStore.add / remove (as audio_hash_counts by the fingerprint store).
    n_rows: Mapped[int] = mapped_column(Integer)
