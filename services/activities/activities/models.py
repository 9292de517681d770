"""Tables of the activities service (its own database)."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from wuji_infra.member_facts import MemberFactsColumns
from wuji_infra.types import UtcDateTime, utc_now


class Base(DeclarativeBase):
    pass


class MemberFact(MemberFactsColumns, Base):
    """Activities' own copy of a member's facts, kept from members' events by
    the one rule of ``wuji_infra.member_facts`` (``as_of``: the newest event
    applied). ``registered_on`` is the day activities first heard of the
    member: they count from then.
    """
    __table_args__ = (sa.Index("ix_member_facts_branch_status", "branch_id", "status"),)

    specialties: Mapped[list] = mapped_column(sa.JSON, default=list)
    mobility_limited: Mapped[bool] = mapped_column(default=False)
    registered_on: Mapped[dt.date] = mapped_column(sa.Date)


class MemberSpecialty(Base):
    """One specialty of a member (城市规划, 建筑设计 ...), to find experts for a review meeting."""
    __tablename__ = "member_specialties"

    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member_facts.member_id"), primary_key=True)
    specialty: Mapped[str] = mapped_column(sa.String(50), primary_key=True, index=True)


class StudySession(Base):
    """A monthly collective study (集体学习); one per branch and day."""
    __tablename__ = "study_sessions"
    __table_args__ = (sa.UniqueConstraint("branch_id", "date", name="uq_study_sessions_branch_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(index=True)
    date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    topic: Mapped[str] = mapped_column(sa.String(200))
    materials: Mapped[list] = mapped_column(sa.JSON, default=list)
    recorded_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)

    attendance: Mapped[list["Attendance"]] = relationship(
        back_populates="session", lazy="selectin", order_by="Attendance.member_id", cascade="all, delete-orphan")


class Attendance(Base):
    """Each expected member of a session: attended or absent, and the catch-up of an absentee."""
    __tablename__ = "study_attendance"

    session_id: Mapped[int] = mapped_column(sa.ForeignKey("study_sessions.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(primary_key=True, index=True)
    attended: Mapped[bool] = mapped_column()
    catch_up_method: Mapped[str | None] = mapped_column(sa.String(20))
    catch_up_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    catch_up_by: Mapped[str | None] = mapped_column(sa.String(100))
    catch_up_note: Mapped[str | None] = mapped_column(sa.Text)

    session: Mapped[StudySession] = relationship(back_populates="attendance")


class Contact(Base):
    """One of the three contacts (三个联系): who contacted which member, how, and what was learned."""
    __tablename__ = "contacts"
    __table_args__ = (sa.Index("ix_contacts_member_date", "member_id", "date"),
                      sa.UniqueConstraint("request_id", name="uq_contacts_request_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(index=True)
    level: Mapped[str] = mapped_column(sa.String(20))
    contact_by: Mapped[str] = mapped_column(sa.String(50))
    contact_by_member_id: Mapped[int | None] = mapped_column()
    member_id: Mapped[int] = mapped_column()
    date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    channel: Mapped[str] = mapped_column(sa.String(10))
    learned: Mapped[dict] = mapped_column(sa.JSON)
    # the Idempotency-Key of the request that logged it: a retried request logs it once
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    recorded_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class Activity(Base):
    """A branch activity (活动): kind, when, where, who, and what it cost."""
    __tablename__ = "activities"
    __table_args__ = (sa.UniqueConstraint("request_id", name="uq_activities_request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(sa.String(30), index=True)
    date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    place: Mapped[str] = mapped_column(sa.String(200))
    organizer: Mapped[str] = mapped_column(sa.String(100))
    participant_ids: Mapped[list] = mapped_column(sa.JSON)
    volunteer_hours: Mapped[Decimal] = mapped_column(sa.Numeric(10, 1))
    cost: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    expense_category: Mapped[str] = mapped_column(sa.String(30))
    # what funding did with the cost (domain.activities.COST_STATUSES), as its events tell
    cost_status: Mapped[str] = mapped_column(sa.String(10), default="none", server_default="pending", index=True)
    expense_id: Mapped[int | None] = mapped_column()
    cost_refused_reason: Mapped[str | None] = mapped_column(sa.Text)
    cost_refused_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # the Idempotency-Key of the request that recorded it: a retried request never
    # records (and funding never books) the cost twice
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    recorded_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class Bulletin(Base):
    """An issue of the study bulletin (学习园地); its number is unique per branch and year.

    ``items`` holds each item's title, kind and link or text; ``item_count``
    keeps the count for the yearly report.
    """
    __tablename__ = "bulletins"
    __table_args__ = (sa.UniqueConstraint("branch_id", "year", "number", name="uq_bulletins_branch_year_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(index=True)
    year: Mapped[int] = mapped_column()
    number: Mapped[int] = mapped_column()
    date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    items: Mapped[list] = mapped_column(sa.JSON)
    item_count: Mapped[int] = mapped_column()
    reach_online: Mapped[int] = mapped_column()
    reach_offline: Mapped[int] = mapped_column()
    recorded_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class ReviewMeeting(Base):
    """A city-construction review meeting (论证会/研讨会) where retired experts took part."""
    __tablename__ = "review_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    topic: Mapped[str] = mapped_column(sa.String(200))
    date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    organizer: Mapped[str] = mapped_column(sa.String(200))
    recorded_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)

    participants: Mapped[list["ReviewParticipant"]] = relationship(
        back_populates="meeting", lazy="selectin", order_by="ReviewParticipant.member_id",
        cascade="all, delete-orphan")


class ReviewParticipant(Base):
    """A member who took part in a review meeting, and the advice they gave."""
    __tablename__ = "review_participants"

    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("review_meetings.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(primary_key=True, index=True)
    advice: Mapped[str] = mapped_column(sa.Text)

    meeting: Mapped[ReviewMeeting] = relationship(back_populates="participants")


class BranchMeeting(Base):
    """A meeting of a branch's organization life: a theme day (主题党日), the yearly
    organization-life meeting (组织生活会) or democratic review of members (民主评议党员)."""
    __tablename__ = "branch_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    topic: Mapped[str] = mapped_column(sa.String(200))
    place: Mapped[str | None] = mapped_column(sa.String(200))
    participant_ids: Mapped[list] = mapped_column(sa.JSON)
    summary: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class Venue(Base):
    """A branch's venue (活动场所) from ``since`` until ``until`` (None: in use)."""
    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.String(300))
    since: Mapped[dt.date] = mapped_column(sa.Date)
    until: Mapped[dt.date | None] = mapped_column(sa.Date)
    recorded_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
