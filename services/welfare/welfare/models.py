"""Tables of the welfare service (its own database)."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from wuji_infra.types import UtcDateTime


def _now():
    return dt.datetime.now(dt.timezone.utc)


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
    source_event_id: Mapped[str | None] = mapped_column(sa.String(36))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_now)

    record: Mapped["VisitRecord | None"] = relationship(back_populates="task", lazy="selectin")


class VisitRecord(Base):
    """What a completed visit found and gave; at most one per task."""
    __tablename__ = "visit_records"

    task_id: Mapped[int] = mapped_column(sa.ForeignKey("visit_tasks.id"), primary_key=True)
    visited_on: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    visitors: Mapped[list] = mapped_column(sa.JSON)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    needs: Mapped[list] = mapped_column(sa.JSON, default=list)
    cash: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    goods_value: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    completed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_now)
    completed_by: Mapped[str | None] = mapped_column(sa.String(100))

    task: Mapped[VisitTask] = relationship(back_populates="record")
