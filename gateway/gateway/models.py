"""Tables of the gateway (its own database): the accounts that may log in, the
counts of failed logins (accounts.py has the rules), and the audit log."""
import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from wuji_infra import tables
from wuji_infra.types import UtcDateTime, utc_now



class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))  # argon2id, never the password
    role: Mapped[str] = mapped_column(sa.String(20))
    display_name: Mapped[Optional[str]] = mapped_column(sa.String(100), nullable=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())  # inactive: cannot log in
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    # when the owner last chose the password; None while it is one they were given
    # (a new account, an admin's reset, the first admin's configured or generated one)
    password_changed_at: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime, nullable=True)
    # tokens carry the version they were issued under; a new password (chosen or given)
    # counts it up, so every token issued before is refused at its next request
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # a secretary's branches (a list of ids); None for the roles that see every branch
    branch_ids: Mapped[Optional[list]] = mapped_column(sa.JSON, nullable=True)


class _Counts:
    failures: Mapped[int]
    window_started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    locked_until: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime, nullable=True)


class LoginThrottle(_Counts, Base):
    """Login attempts of one username (known or not) from any address, in the current window."""
    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(sa.String(100), primary_key=True)


class PairThrottle(_Counts, Base):
    """Login attempts of one username from one client address."""
    __tablename__ = "login_throttle_pairs"

    username: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    address: Mapped[str] = mapped_column(sa.String(64), primary_key=True)


class AddressThrottle(_Counts, Base):
    """Login attempts from one client address, whatever the username."""
    __tablename__ = "login_throttle_addresses"

    address: Mapped[str] = mapped_column(sa.String(64), primary_key=True)


class AuditEntry(Base):
    """One request recorded in the audit log. Only ever added (audit.record): nothing
    in the code updates or deletes a row."""
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)
    actor: Mapped[str] = mapped_column(sa.String(100), index=True)  # the username (as typed, for a login)
    role: Mapped[Optional[str]] = mapped_column(sa.String(20), nullable=True)  # none for a failed login
    action: Mapped[str] = mapped_column(sa.String(100), index=True)  # the route's name (its operationId)
    method: Mapped[str] = mapped_column(sa.String(10))
    path: Mapped[str] = mapped_column(sa.String(500))
    member_id: Mapped[Optional[int]] = mapped_column(nullable=True, index=True)
    status: Mapped[int]  # the HTTP status answered
    request_id: Mapped[str] = mapped_column(sa.String(64))


class ScorecardPolicy(Base):
    """One version of the office's scorecard policy (reports/scorecard.py): the newest
    is in force. Only ever added, so the scorecard of any version can be read again."""
    __tablename__ = "scorecard_policies"

    id: Mapped[int] = mapped_column(primary_key=True)  # the version
    items: Mapped[list] = mapped_column(sa.JSON)  # [{"key", "title", "max_points", "per_miss", "enabled"}]
    star_thresholds: Mapped[list] = mapped_column(sa.JSON)
    note: Mapped[Optional[str]] = mapped_column(sa.String(500), nullable=True)
    set_by: Mapped[str] = mapped_column(sa.String(100))
    set_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


# the gateway's own writes are done once per request key too (wuji_infra.idempotency): the
# table of every service, without their outbox and inbox
tables.request_keys.to_metadata(Base.metadata)
