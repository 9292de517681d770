"""Tables of the funding service (its own database)."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from wuji_infra.member_facts import MemberFactsColumns
from wuji_infra.types import UtcDateTime, utc_now


def yuan_to_fen(amount):
    return int(amount * 100)


def fen_to_yuan(fen):
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


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
    decided_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    # the funding policy version in force when it was decided (0: the default); None: decided before it was kept
    policy_version: Mapped[int | None]
    # the review by staff: who approved or rejected it, when, why (a rejection), and the expense booked
    reviewed_by: Mapped[str | None] = mapped_column(sa.String(100))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    review_note: Mapped[str | None] = mapped_column(sa.String(300))
    expense_id: Mapped[int | None] = mapped_column(sa.ForeignKey("expenses.id"))


class LedgerEntry(Base):
    """One movement of money into or out of one source; rows are only ever added.

    Double entry: the source is one account, and the other side is the budget
    (income) or the expense's category (spending). ``amount`` is always
    positive; ``kind`` says which way it goes.
    """
    __tablename__ = "ledger_entries"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="ledger_amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(sa.String(20), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    category: Mapped[str | None] = mapped_column(sa.String(30), index=True)
    expense_id: Mapped[int | None] = mapped_column(sa.ForeignKey("expenses.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(index=True)
    reference: Mapped[str | None] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    entry_date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    recorded_by: Mapped[str | None] = mapped_column(sa.String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class Expense(Base):
    """An expense as booked; how it was paid is its ledger entries.

    ``reference`` ("visit:12", "activity:5") makes one expense per cause.
    """
    __tablename__ = "expenses"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="expense_amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    category: Mapped[str] = mapped_column(sa.String(30), index=True)
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    member_id: Mapped[int | None] = mapped_column(index=True)
    reference: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    expense_date: Mapped[dt.date] = mapped_column(sa.Date)
    booked_by: Mapped[str | None] = mapped_column(sa.String(100))
    booked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)

    entries: Mapped[list[LedgerEntry]] = relationship(order_by=LedgerEntry.id, viewonly=True)


class RefusedExpense(Base):
    """The cost of a cause (an activity, a visit) that the allowed sources could not cover
    when it came: kept, shown, and booked later by staff once the money is there."""
    __tablename__ = "refused_expenses"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(100), unique=True)
    year: Mapped[int] = mapped_column(index=True)
    category: Mapped[str] = mapped_column(sa.String(30))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    member_id: Mapped[int | None] = mapped_column(index=True)
    expense_date: Mapped[dt.date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.String(300))
    refused_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    status: Mapped[str] = mapped_column(sa.String(10), default="refused", index=True)  # refused, booked
    expense_id: Mapped[int | None] = mapped_column(sa.ForeignKey("expenses.id"))
    booked_by: Mapped[str | None] = mapped_column(sa.String(100))
    booked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class SourceBalance(Base):
    """The running totals of one source in one year, kept with every ledger entry.

    The row an expense locks (SELECT ... FOR UPDATE) before it spends, so two
    expenses at once cannot both spend the same money; the CHECK is the last
    guard against an overdraft. Whole fen (分), so the sums are exact on every
    database (SQLite would add NUMERIC as floats). The ledger stays the record:
    these totals always equal its sums (a test checks).
    """
    __tablename__ = "source_balances"
    __table_args__ = (sa.CheckConstraint("income_fen - spent_fen >= 0", name="source_never_below_zero"),)

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    income_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    spent_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    @property
    def income(self):
        return fen_to_yuan(self.income_fen)

    @property
    def spent(self):
        return fen_to_yuan(self.spent_fen)

    @property
    def balance(self):
        return fen_to_yuan(self.income_fen - self.spent_fen)


class FundingPolicy(Base):
    """One version of the allocation policy; the newest is in force, older ones are its history."""
    __tablename__ = "funding_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation: Mapped[dict] = mapped_column(sa.JSON)
    # the share of collected dues that is income of the dues_rebate source
    dues_rebate_ratio: Mapped[Decimal] = mapped_column(sa.Numeric(5, 4), server_default="0.5000")
    # the subsidy policy: all three set by an admin, or all three None (the settings
    # SUBSIDY_MIN_AGE, SUBSIDY_AMOUNT, SUBSIDY_YEARLY_CAP apply)
    subsidy_min_age: Mapped[int | None]
    subsidy_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    subsidy_yearly_cap: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    # separation of duties (domain.duties): only an approver reviews subsidies and reverses money
    separation_of_duties: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class MemberFact(MemberFactsColumns, Base):
    """Funding's own copy of the roster facts it needs, from member_registered / member_updated
    (kept by wuji_infra.member_facts: member_id, branch_id, name, status, as_of)."""

    birth_date: Mapped[dt.date] = mapped_column(sa.Date)
    hardship: Mapped[bool]
    pension_monthly: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    # the day the member died or left the system: no dues fall due after that month
    left_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # the day funding first learned of the member (member_registered's occurred_at):
    # dues are owed from that month in that year; None for members known before it was kept
    registered_on: Mapped[dt.date | None] = mapped_column(sa.Date)


class DuesRate(Base):
    """A member's monthly dues in a year from ``from_month`` on: fixed once at the start
    (kind "fixed", from the pension), changed only by a recorded adjustment (kind "adjustment")."""
    __tablename__ = "dues_rates"
    __table_args__ = (
        sa.CheckConstraint("monthly_amount >= 0", name="dues_rate_not_negative"),
        sa.Index("ix_dues_rates_member_year", "member_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int]
    year: Mapped[int]
    from_month: Mapped[int]
    monthly_amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    pension_basis: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    kind: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    recorded_by: Mapped[str | None] = mapped_column(sa.String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class DuesPayment(Base):
    """The dues of one member for one month, paid by the member or a relative; once per month."""
    __tablename__ = "dues_payments"
    __table_args__ = (sa.UniqueConstraint("member_id", "year", "month", name="one_payment_per_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(index=True)
    year: Mapped[int]
    month: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    paid_by: Mapped[str] = mapped_column(sa.String(20))
    payer_name: Mapped[str | None] = mapped_column(sa.String(100))
    paid_on: Mapped[dt.date] = mapped_column(sa.Date)
    rebate: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    recorded_by: Mapped[str | None] = mapped_column(sa.String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class ExpenseReversal(Base):
    """An expense corrected by reversing entries (never by editing it); once per expense."""
    __tablename__ = "expense_reversals"

    id: Mapped[int] = mapped_column(primary_key=True)
    expense_id: Mapped[int] = mapped_column(sa.ForeignKey("expenses.id"), unique=True)
    reason: Mapped[str] = mapped_column(sa.String(300))
    reversed_by: Mapped[str | None] = mapped_column(sa.String(100))
    reversed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class BudgetReversal(Base):
    """A budget entry corrected by a reversing entry (never by editing it); once per budget entry."""
    __tablename__ = "budget_reversals"

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_entry_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_entries.id"), unique=True)
    reversal_entry_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_entries.id"))
    reason: Mapped[str] = mapped_column(sa.String(300))
    reversed_by: Mapped[str | None] = mapped_column(sa.String(100))
    reversed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
