"""refused_expenses: a cause's expense refused for want of money, kept to book later

Revision ID: c3f6a9d2e8b4
Revises: a8d3e5f7c912
Create Date: 2026-12-04 20:10:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = 'c3f6a9d2e8b4'
down_revision: Union[str, Sequence[str], None] = 'a8d3e5f7c912'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'refused_expenses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=100), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=30), nullable=False),
        sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('description', sa.String(length=300), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('expense_date', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('refused_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('expense_id', sa.Integer(), nullable=True),
        sa.Column('booked_by', sa.String(length=100), nullable=True),
        sa.Column('booked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['expense_id'], ['expenses.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reference'),
    )
    with op.batch_alter_table('refused_expenses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refused_expenses_year'), ['year'], unique=False)
        batch_op.create_index(batch_op.f('ix_refused_expenses_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refused_expenses_status'), ['status'], unique=False)


def downgrade() -> None:
    op.drop_table('refused_expenses')
