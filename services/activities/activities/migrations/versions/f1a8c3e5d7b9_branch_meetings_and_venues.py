"""branch_meetings (主题党日, 组织生活会, 民主评议党员) and venues (活动场所)

Revision ID: f1a8c3e5d7b9
Revises: b4c9e1d7f2a3
Create Date: 2026-12-04 20:15:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = 'f1a8c3e5d7b9'
down_revision: Union[str, Sequence[str], None] = 'b4c9e1d7f2a3'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'branch_meetings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('topic', sa.String(length=200), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=True),
        sa.Column('participant_ids', sa.JSON(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=True),
        sa.Column('recorded_by', sa.String(length=100), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('branch_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_branch_meetings_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_branch_meetings_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_branch_meetings_date'), ['date'], unique=False)
    op.create_table(
        'venues',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('since', sa.Date(), nullable=False),
        sa.Column('until', sa.Date(), nullable=True),
        sa.Column('recorded_by', sa.String(length=100), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venues_branch_id'), ['branch_id'], unique=False)


def downgrade() -> None:
    op.drop_table('venues')
    op.drop_table('branch_meetings')
