"""Tables of the funding service (its own database)."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from wuji_infra.types import UtcDateTime


def _now():
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    pass


class SubsidyCheck(Base):
    """A subsidy decision and its reason; ``cause_key`` makes one check per cause."""
    __tablename__ = "subsidy_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(index=True)
    cause: Mapped[str] = mapped_column(sa.String(20))
    cause_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    eligible: Mapped[bool]
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    reason: Mapped[str] = mapped_column(sa.String(300))
    event_date: Mapped[dt.date] = mapped_column(sa.Date)
    source_event_id: Mapped[str | None] = mapped_column(sa.String(36))
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    decided_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_now)
