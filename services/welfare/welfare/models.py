"""Tables of the welfare service (its own database)."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from wuji_infra.member_facts import MemberFactsColumns
from wuji_infra.types import UtcDateTime, utc_now


class Base(DeclarativeBase):
    pass


class VisitTask(Base):
    """Who is to be visited, why and by when.

    ``cause_key`` is unique: the same cause (say, one hospitalization) never
    makes two tasks, even when it arrives in two different events.
    ``status`` stores open, done or cancelled; overdue is computed.
    """
    __tablename__ = "visit_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(index=True)
    branch_id: Mapped[int | None] = mapped_column(index=True)
    cause: Mapped[str] = mapped_column(sa.String(32))
    cause_date: Mapped[dt.date] = mapped_column(sa.Date)
    cause_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    due_date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)
    assignee: Mapped[str | None] = mapped_column(sa.String(100))
    # the visitor a festival batch gave the task to (its load is counted by id)
    visitor_id: Mapped[int | None] = mapped_column(index=True)
    source_event_id: Mapped[str | None] = mapped_column(sa.String(36))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    cancel_note: Mapped[str | None] = mapped_column(sa.Text)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(sa.String(100))

    record: Mapped["VisitRecord | None"] = relationship(back_populates="task", lazy="selectin")


class VisitRecord(Base):
    """What a completed visit found and gave; at most one per task."""
    __tablename__ = "visit_records"

    task_id: Mapped[int] = mapped_column(sa.ForeignKey("visit_tasks.id"), primary_key=True)
    visited_on: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="home")
    visitors: Mapped[list] = mapped_column(sa.JSON)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    needs: Mapped[list] = mapped_column(sa.JSON, default=list)
    cash: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    goods_value: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    completed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    completed_by: Mapped[str | None] = mapped_column(sa.String(100))
    # funding's expense_refused for "visit:<task_id>": the money was not booked
    expense_refused_reason: Mapped[str | None] = mapped_column(sa.Text)
    expense_refused_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # funding's expense once booked (at once, or later by staff after a refusal)
    expense_id: Mapped[int | None] = mapped_column()

    task: Mapped[VisitTask] = relationship(back_populates="record")


class MemberFact(MemberFactsColumns, Base):
    """Welfare's own copy of the member facts its rules need, fed by members'
    events and kept by the one rule of ``wuji_infra.member_facts``; the
    members database is never read."""

    birth_date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    hardship: Mapped[bool] = mapped_column(sa.Boolean)
    lives_alone: Mapped[bool] = mapped_column(sa.Boolean)
    children_away: Mapped[bool] = mapped_column(sa.Boolean)
    mobility_limited: Mapped[bool] = mapped_column(sa.Boolean)
    # the day the member counts from (members' counts_from); None: heard of before it was kept
    registered_on: Mapped[dt.date | None] = mapped_column(sa.Date)


class Visitor(Base):
    """Someone who visits and helps: office staff, a committee member or a
    willing member. ``pairs`` says whether they take one-to-one pairings."""
    __tablename__ = "visitors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    role: Mapped[str] = mapped_column(sa.String(16))
    member_id: Mapped[int | None] = mapped_column(unique=True)
    branch_id: Mapped[int | None] = mapped_column(index=True)
    pairs: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class Pairing(Base):
    """一帮一: a helper paired with a member in need.

    ``active_member_id`` is the member's id while the pairing runs and NULL
    once it ends; being unique, it lets a member have one active pairing only,
    even against two concurrent events.
    """
    __tablename__ = "pairings"

    id: Mapped[int] = mapped_column(primary_key=True)
    helper_id: Mapped[int] = mapped_column(sa.ForeignKey("visitors.id"), index=True)
    member_id: Mapped[int] = mapped_column(index=True)
    active_member_id: Mapped[int | None] = mapped_column(unique=True)
    reason: Mapped[str] = mapped_column(sa.String(32))
    note: Mapped[str | None] = mapped_column(sa.Text)
    started_on: Mapped[dt.date] = mapped_column(sa.Date)
    ended_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    end_reason: Mapped[str | None] = mapped_column(sa.Text)
    source_event_id: Mapped[str | None] = mapped_column(sa.String(36))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)

    # an inner join: PostgreSQL refuses FOR UPDATE on the outer side of a join
    helper: Mapped[Visitor] = relationship(lazy="joined", innerjoin=True)
    talks: Mapped[list["PairingTalk"]] = relationship(order_by="PairingTalk.id", lazy="selectin")


class TaskReminder(Base):
    """One row per task and kind (due_soon, overdue): the daily timer sends
    each reminder once, even when it runs twice or in two processes, because
    the row commits with the reminder's outbox row."""
    __tablename__ = "task_reminders"

    task_id: Mapped[int] = mapped_column(sa.ForeignKey("visit_tasks.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    sent_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class PairingTalk(Base):
    """A heart-to-heart talk (谈心) of a pairing's helper with the member."""
    __tablename__ = "pairing_talks"

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(sa.ForeignKey("pairings.id"), index=True)
    talked_on: Mapped[dt.date] = mapped_column(sa.Date)
    how: Mapped[str] = mapped_column(sa.String(16))
    notes: Mapped[str] = mapped_column(sa.Text)
    logged_by: Mapped[str | None] = mapped_column(sa.String(100))
    logged_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class HelpCase(Base):
    """办实事、解难事: a concrete problem of a member, opened (often from a
    visit's needs), assigned, worked with progress notes, closed with its result."""
    __tablename__ = "help_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(index=True)
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visit_tasks.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)
    assignee: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    opened_on: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    opened_by: Mapped[str | None] = mapped_column(sa.String(100))
    closed_on: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    result: Mapped[str | None] = mapped_column(sa.Text)
    solved: Mapped[bool | None] = mapped_column(sa.Boolean)
    closed_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)

    notes: Mapped[list["HelpCaseNote"]] = relationship(order_by="HelpCaseNote.id", lazy="selectin")


class HelpCaseNote(Base):
    __tablename__ = "help_case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("help_cases.id"), index=True)
    note: Mapped[str] = mapped_column(sa.Text)
    written_by: Mapped[str | None] = mapped_column(sa.String(100))
    written_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class FestivalPolicy(Base):
    """The office's policy for one festival's batch of visits (see domain.festivals.Policy)."""
    __tablename__ = "festival_policies"

    festival: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    min_age: Mapped[int | None] = mapped_column()
    lives_alone: Mapped[bool] = mapped_column(sa.Boolean)
    hardship: Mapped[bool] = mapped_column(sa.Boolean)
    children_away: Mapped[bool] = mapped_column(sa.Boolean)
    lead_days: Mapped[int] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)
    updated_by: Mapped[str | None] = mapped_column(sa.String(100))
