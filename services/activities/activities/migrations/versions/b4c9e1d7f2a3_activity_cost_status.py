"""activities: what funding did with the cost (cost_status, expense_id, refusal)

Revision ID: b4c9e1d7f2a3
Revises: 2527598c2802
Create Date: 2026-12-04 20:05:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = 'b4c9e1d7f2a3'
down_revision: Union[str, Sequence[str], None] = '2527598c2802'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # an activity recorded before this with a cost: what funding did is not known here
    # ("pending"); the ledger and /funding/refused-expenses tell
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cost_status', sa.String(length=10), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('expense_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cost_refused_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('cost_refused_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_activities_cost_status'), ['cost_status'], unique=False)
    op.execute("UPDATE activities SET cost_status = 'none' WHERE cost = 0")


def downgrade() -> None:
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_cost_status'))
        batch_op.drop_column('cost_refused_at')
        batch_op.drop_column('cost_refused_reason')
        batch_op.drop_column('expense_id')
        batch_op.drop_column('cost_status')
