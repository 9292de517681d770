"""Tables of the notifications service (its own database)."""
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from wuji_infra.member_facts import MemberFactsColumns
from wuji_infra.types import UtcDateTime, utc_now


class Base(DeclarativeBase):
    pass


class MemberFact(MemberFactsColumns, Base):
    """Names and branches of the members, for the words of an item and the secretaries it reaches."""


class BranchName(Base):
    """A branch's name, as the term events tell it (else an item says "党支部 #4")."""
    __tablename__ = "branch_names"

    branch_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.String(200))


class Subject(Base):
    """A piece of work that is over ("visit_task:34", "subsidy_check:5"), kept so that an item
    about it arriving after the news that it is over is made closed, not left open for ever."""
    __tablename__ = "closed_subjects"

    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    closed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class VisitTask(Base):
    """Welfare's visit tasks as their events tell them: to find the task a hospitalization made."""
    __tablename__ = "visit_tasks"

    task_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(index=True)
    due_date: Mapped[dt.date] = mapped_column(sa.Date)
    source_event_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)


class HelpCase(Base):
    """Welfare's open help cases, for the item of one open too long."""
    __tablename__ = "help_cases"

    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(index=True)
    branch_id: Mapped[int | None] = mapped_column()
    opened_on: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    assignee: Mapped[str | None] = mapped_column(sa.String(100))
    closed: Mapped[bool] = mapped_column(default=False, index=True)


class TodoItem(Base):
    """One to-do item (待办). ``key`` names what it is about once ("visit_overdue:34"), so an
    event delivered twice, or two events of one cause, make one item. Who receives it is the
    policy's, read with the list (``domain.policy``); ``closed_at`` is set when the work is done."""
    __tablename__ = "todo_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(150), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(32), index=True)
    subject: Mapped[str] = mapped_column(sa.String(100), index=True)  # the work it is about: "visit_task:34"
    title: Mapped[str] = mapped_column(sa.String(500))
    member_id: Mapped[int | None] = mapped_column(index=True)
    branch_id: Mapped[int | None] = mapped_column(index=True)
    assignee: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    requester: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    due_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, index=True)


class TodoMark(Base):
    """One account's own mark on an item: done, or snoozed until a day."""
    __tablename__ = "todo_marks"

    item_id: Mapped[int] = mapped_column(sa.ForeignKey("todo_items.id"), primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(16))
    snoozed_until: Mapped[dt.date | None] = mapped_column(sa.Date)
    marked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class PolicyVersion(Base):
    """The notification policy as the admin set it; the newest row is in force."""
    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    settings: Mapped[dict] = mapped_column(sa.JSON)
    set_by: Mapped[str | None] = mapped_column(sa.String(100))
    set_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class Delivery(Base):
    """One message to one channel (webhook, email): an item pushed at once, a day's digest,
    or the admin's test. Unique by (channel, key), so an item or a day is pushed once.

    The sender takes a row by setting ``lease_until`` (only where none is held), sends, then
    records the result; a process that dies between the send and the record leaves the lease
    to run out, and the row is sent once more (at least once: docs/notifications.md)."""
    __tablename__ = "deliveries"
    __table_args__ = (sa.UniqueConstraint("channel", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(16))        # webhook, email
    key: Mapped[str] = mapped_column(sa.String(150))           # "item:12", "digest:2026-12-05", "test:<uuid>"
    item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("todo_items.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
