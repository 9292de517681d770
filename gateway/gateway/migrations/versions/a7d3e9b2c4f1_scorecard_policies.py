"""scorecard_policies: the office's versioned scorecard policy

Revision ID: a7d3e9b2c4f1
Revises: e5b1a7c4d2f0
Create Date: 2026-12-04 20:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'a7d3e9b2c4f1'
down_revision: Union[str, Sequence[str], None] = 'e5b1a7c4d2f0'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'scorecard_policies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('star_thresholds', sa.JSON(), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.Column('set_by', sa.String(length=100), nullable=False),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    op.drop_table('scorecard_policies')
