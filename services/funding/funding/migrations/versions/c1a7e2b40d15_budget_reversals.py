"""budget reversals

Revision ID: c1a7e2b40d15
Revises: 27476aee3dde
Create Date: 2026-11-26 06:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'c1a7e2b40d15'
down_revision: Union[str, Sequence[str], None] = '27476aee3dde'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('budget_reversals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('budget_entry_id', sa.Integer(), nullable=False),
    sa.Column('reversal_entry_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('reversed_by', sa.String(length=100), nullable=True),
    sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['budget_entry_id'], ['ledger_entries.id'], ),
    sa.ForeignKeyConstraint(['reversal_entry_id'], ['ledger_entries.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('budget_entry_id')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('budget_reversals')
