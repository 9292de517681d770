"""Tables of the members service (its own database)."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from wuji_infra.types import UtcDateTime


def _now():
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    pass


class Branch(Base):
    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    unit: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_now)


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50), index=True)
    gender: Mapped[str] = mapped_column(sa.String(6))
    id_number: Mapped[str] = mapped_column(sa.String(18), unique=True)
    birth_date: Mapped[dt.date] = mapped_column(sa.Date)
    retirement_kind: Mapped[str] = mapped_column(sa.String(6))
    retired_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    former_unit: Mapped[str | None] = mapped_column(sa.String(200))
    former_post: Mapped[str | None] = mapped_column(sa.String(200))
    rank: Mapped[str | None] = mapped_column(sa.String(50))
    joined_party_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    org_relation: Mapped[str] = mapped_column(sa.String(10), default="unit")
    community: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    emergency_contact: Mapped[str | None] = mapped_column(sa.String(200))
    pension_monthly: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    lives_alone: Mapped[bool] = mapped_column(default=False)
    children_away: Mapped[bool] = mapped_column(default=False)
    mobility_limited: Mapped[bool] = mapped_column(default=False)
    hardship: Mapped[bool] = mapped_column(default=False)
    specialties: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(16), default="active", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_now, onupdate=_now)


class HealthEvent(Base):
    """A health event as recorded; ``request_id`` makes a retried request record it once."""
    __tablename__ = "health_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    date: Mapped[dt.date] = mapped_column(sa.Date)
    hospital: Mapped[str | None] = mapped_column(sa.String(200))
    ward: Mapped[str | None] = mapped_column(sa.String(100))
    note: Mapped[str | None] = mapped_column(sa.Text)
    request_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    recorded_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_now)
