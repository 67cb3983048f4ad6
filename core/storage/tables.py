"""The database tables, as typed SQLAlchemy 2.0 rows. Alembic migrations are built from these."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import false


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend.

    Stored naive (as UTC) so that SQLite and PostgreSQL compare them the same way.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class GroupRow(Base):
    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    tz: Mapped[str] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(8))
    morning: Mapped[time] = mapped_column(Time)
    channel: Mapped[str | None] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    next_board_at: Mapped[datetime | None] = mapped_column(index=True)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class MemberRow(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("group_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    # Indexed alone too: a DM names no group, and finds the member's groups by it.
    external_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(128))
    tz: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(8))
    nudge_time: Mapped[time | None] = mapped_column(Time)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_on: Mapped[date | None] = mapped_column(Date)
    graduated: Mapped[bool] = mapped_column(Boolean, default=False)
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    share_companies: Mapped[bool] = mapped_column(Boolean, default=False)
    on_board: Mapped[bool] = mapped_column(Boolean, default=True)
    next_lead_number: Mapped[int] = mapped_column(Integer, default=1)
    next_morning_at: Mapped[datetime | None] = mapped_column(index=True)
    last_planned_on: Mapped[date | None] = mapped_column(Date)
    last_pipeline_on: Mapped[date | None] = mapped_column(Date)
    active_leads: Mapped[int] = mapped_column(Integer, default=0)
    offer_since: Mapped[datetime | None]
    streak_days: Mapped[int] = mapped_column(Integer, default=0)
    streak_last: Mapped[date | None] = mapped_column(Date)
    last_action_at: Mapped[datetime | None]  # their latest action (core.domain.members)
    organiser: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    dm_channel: Mapped[str | None] = mapped_column(String(64))
    # The member's work-search log (core.domain.worklog.LogSettings), {} for none.
    log_settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The SHA-256 of their calendar feed's token: a feed request finds its member by it.
    calendar_digest: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    # When the member chose this group for what they type in the bot's DM.
    dm_chosen_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class LeadRow(Base):
    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("member_id", "number"),
        # Planning reads only the leads that are due: member + due date.
        Index(None, "member_id", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    contact: Mapped[str] = mapped_column(String(200))
    company: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    via: Mapped[str | None] = mapped_column(String(16))
    network: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    stage: Mapped[str] = mapped_column(String(16))
    stage_since: Mapped[datetime | None]
    last_touch_at: Mapped[datetime | None]
    calls: Mapped[int] = mapped_column(Integer, default=0)
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    nudge_rule: Mapped[str | None] = mapped_column(String(32))
    nudge_count: Mapped[int] = mapped_column(Integer, default=0)
    nudged_on: Mapped[date | None] = mapped_column(Date)
    nudge_asked: Mapped[bool] = mapped_column(Boolean, default=False)
    due_on: Mapped[date | None] = mapped_column(Date)
    # What a work-search log asks for, all optional (`/lead set`).
    title: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(200))
    job_ref: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    # The interview to come (`/lead interview`), and its calendar event's UID and sequence.
    interview_at: Mapped[datetime | None]
    interview_uid: Mapped[str | None] = mapped_column(String(128))
    interview_sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class EventRow(Base):
    __tablename__ = "events"
    # A member's history, and a group's week for its leaderboard.
    __table_args__ = (Index(None, "member_id", "at"), Index(None, "group_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    stage_after: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    logged_at: Mapped[datetime | None]  # None: logged when it happened
    how: Mapped[str | None] = mapped_column(String(16))  # an application's: online, mail...
    # Brought in from a file: history that earns no points or streak days.
    imported: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ActivityRow(Base):
    """Something a member did for their search that is not about one lead (a job fair,
    a workshop, hours of search): a row of their work-search log."""

    __tablename__ = "activities"
    __table_args__ = (Index(None, "member_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    what: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    minutes: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime]
    logged_at: Mapped[datetime | None]  # None: logged when it happened


class PendingImportRow(Base):
    """A member's previewed import, waiting for their confirm: what the file holds that
    would be imported (core.domain.importer.Table), never the columns that are not. One
    per member; erased with them (forget-me), and unread once it expires."""

    __tablename__ = "pending_imports"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    table: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LinkRow(Base):
    """Two members, one person (core.domain.links.Link): the secondary resolves to the
    primary for leads, history and morning. Each member is in one link at most."""

    __tablename__ = "member_links"

    secondary_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    primary_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), unique=True
    )
    deliver_id: Mapped[int] = mapped_column(Integer)  # one of the two: where the morning goes
    # [[lead id, its number], ...]: the leads the secondary brought, given back on unlink.
    brought: Mapped[list[Any]] = mapped_column(JSON, default=list)
    linked_at: Mapped[datetime]


class LinkCodeRow(Base):
    """A member's one live link code, kept as a salted SHA-256: the code itself is shown
    once and never stored."""

    __tablename__ = "link_codes"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    salt: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LinkTriesRow(Base):
    """A member's wrong link codes in a row, and the wait they earned."""

    __tablename__ = "link_tries"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    wrong: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]


class TallyRow(Base):
    """What a member's scoring actions came to over one span of time: how many times
    each counted (a column per action that can earn points, named as the action) and
    the rejection-call bonuses earned.

    Written with each event (in its transaction), so that a board reads one row per
    member and span and weighs the columns by the group's current points instead of
    re-scoring every event. Each counted event adds to three spans: its day ("day", the
    group's local date), its month ("month", the first of that month) and all time
    ("all", on ALL_TIME).
    """

    __tablename__ = "span_tallies"
    # The key leads with what a board reads: one group's rows of one span over a range
    # of starts, contiguous (SQLite stores the table in key order: WITHOUT ROWID).
    __table_args__ = (Index(None, "member_id"), {"sqlite_with_rowid": False})

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    span: Mapped[str] = mapped_column(String(8), primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    # One column per key of core.domain.scoring.DEFAULT_POINTS (a test checks).
    added: Mapped[int] = mapped_column(Integer, default=0)
    emailed: Mapped[int] = mapped_column(Integer, default=0)
    followedup: Mapped[int] = mapped_column(Integer, default=0)
    called: Mapped[int] = mapped_column(Integer, default=0)
    referral: Mapped[int] = mapped_column(Integer, default=0)
    interviewed: Mapped[int] = mapped_column(Integer, default=0)
    offer: Mapped[int] = mapped_column(Integer, default=0)
    bonuses: Mapped[int] = mapped_column(Integer, default=0)  # rejection-call bonuses earned


class OutboxRow(Base):
    """A message the bot will send, written in the transaction that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index(None, "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    # The member it is for (a DM) or about (a group post), so forget-me can erase it.
    to_channel: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    not_before: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    platform_message_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)


class ProcessLeaseRow(Base):
    """A running process's claim on work only one may do at a time: Discord gateway
    shards (`role` "discord", shards first..last of `shard_count`). Renewed while the
    process lives; a row past `expires_at` belongs to nobody."""

    __tablename__ = "process_leases"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16), index=True)
    owner: Mapped[str] = mapped_column(String(128))  # host:pid:nonce, as worker_id() makes
    shard_count: Mapped[int] = mapped_column(Integer)
    first_shard: Mapped[int] = mapped_column(Integer)
    last_shard: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class AppliedKeyRow(Base):
    """What is applied once whatever its repeats: a command (a button pressed twice, the
    same press reaching two processes, or pressed again after a restart), written in the
    command's own transaction, or a platform's event or opened modal (`first_time`)."""

    __tablename__ = "applied_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
