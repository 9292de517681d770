"""Tables of the members service (its own database)."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from wuji_infra.types import UtcDateTime, utc_now



class Base(DeclarativeBase):
    pass


# a record entered in error is withdrawn (撤销误录): kept, with who, when and why, and out of
# every list and figure; its ID number or name no longer blocks entering it again correctly
NOT_WITHDRAWN = sa.text("withdrawn_at IS NULL")


class Withdrawable:
    """The columns of a withdrawal (a declarative mixin): null while the record stands."""
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(sa.String(500))
    withdrawn_by: Mapped[str | None] = mapped_column(sa.String(100))

    @property
    def withdrawn(self):
        return withdrawal(self.withdrawn_at, self.withdrawn_reason, self.withdrawn_by)


def withdrawal(at, reason, by):
    """``{"at", "reason", "by"}`` of a record's withdrawal, or None while it stands."""
    return None if at is None else {"at": at, "reason": reason, "by": by}


class Branch(Withdrawable, Base):
    __tablename__ = "branches"
    __table_args__ = (sa.Index("uq_branches_name_standing", "name", unique=True,
                               postgresql_where=NOT_WITHDRAWN, sqlite_where=NOT_WITHDRAWN),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    unit: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class Member(Withdrawable, Base):
    __tablename__ = "members"
    __table_args__ = (sa.Index("uq_members_id_number_standing", "id_number", unique=True,
                               postgresql_where=NOT_WITHDRAWN, sqlite_where=NOT_WITHDRAWN),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50), index=True)
    gender: Mapped[str] = mapped_column(sa.String(6))
    id_number: Mapped[str] = mapped_column(sa.String(18))
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
    professional_titles: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    willing_to_serve: Mapped[bool] = mapped_column(default=False, server_default=sa.false(), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="active", index=True)
    # the day the member counts from (入册日期): at go-live, long before the record was typed in
    counts_from: Mapped[dt.date] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)


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
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class MemberChange(Base):
    """One field of a member changed: who, from what, to what, when (history)."""
    __tablename__ = "member_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    field: Mapped[str] = mapped_column(sa.String(50))
    old_value: Mapped[str | None] = mapped_column(sa.Text)   # JSON text of the old value
    new_value: Mapped[str | None] = mapped_column(sa.Text)   # JSON text of the new value
    changed_by: Mapped[str | None] = mapped_column(sa.String(100))
    reason: Mapped[str] = mapped_column(sa.String(30))       # created, updated, health_event, transfer
    changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class HealthRead(Base):
    """Who read whose health events, and when (health facts are sensitive)."""
    __tablename__ = "health_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    read_by: Mapped[str | None] = mapped_column(sa.String(100))
    events_shown: Mapped[int] = mapped_column()
    read_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class Transfer(Base):
    """A change of organizational relationship (组织关系), with its date."""
    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    date: Mapped[dt.date] = mapped_column(sa.Date)
    target: Mapped[str] = mapped_column(sa.String(10))        # unit, community, out
    from_org_relation: Mapped[str] = mapped_column(sa.String(10))
    from_community: Mapped[str | None] = mapped_column(sa.String(200))
    to_community: Mapped[str | None] = mapped_column(sa.String(200))
    note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class Term(Base):
    """A branch committee's term (任期); re-election adds a new one, the old is kept."""
    __tablename__ = "terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date] = mapped_column(sa.Date)
    recorded_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class CommitteeSeat(Base):
    __tablename__ = "committee_seats"
    __table_args__ = (sa.UniqueConstraint("term_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("terms.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    role: Mapped[str] = mapped_column(sa.String(20))


class TermReminder(Base):
    """A reminder sent for a term: the unique key makes each one go out once,
    committed with its outbox row."""
    __tablename__ = "term_reminders"
    __table_args__ = (sa.UniqueConstraint("term_id", "reminder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("terms.id"))
    reminder: Mapped[str] = mapped_column(sa.String(20))
    sent_on: Mapped[dt.date] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class MemberSpecialty(Base):
    """One specialty of a member, kept with ``Member.specialties`` so that the
    roster can be searched by specialty on any database."""
    __tablename__ = "member_specialties"
    __table_args__ = (sa.UniqueConstraint("member_id", "specialty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    specialty: Mapped[str] = mapped_column(sa.String(50), index=True)


class Honor(Base):
    """An honor (先进典型): title, level, year."""
    __tablename__ = "honors"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    level: Mapped[str] = mapped_column(sa.String(12), index=True)
    year: Mapped[int] = mapped_column(index=True)
    awarded_by: Mapped[str | None] = mapped_column(sa.String(200))
    recorded_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class SocialRole(Base):
    """A role in society: supervisor appointments, local-history writing, volunteering."""
    __tablename__ = "social_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(100))
    appointed_by: Mapped[str] = mapped_column(sa.String(200))
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class ImportJob(Base):
    """An Excel import: the file, and how far its rows have got (progress)."""
    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued", index=True)  # queued, running, done, failed, cancelled
    headings: Mapped[list] = mapped_column(sa.JSON, default=list)
    total_rows: Mapped[int | None] = mapped_column()
    processed_rows: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    rejected_count: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    started_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class ImportRejection(Base):
    """A row an import rejected: its number, its cells as sent, and why (by column)."""
    __tablename__ = "import_rejections"
    __table_args__ = (sa.UniqueConstraint("job_id", "row_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("import_jobs.id"), index=True)
    row_number: Mapped[int] = mapped_column()
    cells: Mapped[list] = mapped_column(sa.JSON)
    problems: Mapped[dict] = mapped_column(sa.JSON)   # {column heading: [reason]}


class Engagement(Base):
    """A member's service at a review meeting, as entered here before issue 12. Superseded: the
    same meeting was entered again in activities (with all its experts) and the two counts
    differed; the one record is now activities' review meeting, and a member's engagements are
    read from there. The rows entered here are kept (nothing is lost), no longer written."""
    __tablename__ = "engagements"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    meeting: Mapped[str] = mapped_column(sa.String(200))
    organizer: Mapped[str | None] = mapped_column(sa.String(200))
    advice: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
