"""subsidy policy in the funding policy

Revision ID: d4e8f1a2b3c6
Revises: c1a7e2b40d15
Create Date: 2026-11-26 06:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'd4e8f1a2b3c6'
down_revision: Union[str, Sequence[str], None] = 'c1a7e2b40d15'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema: versions set before keep the settings' subsidy (NULL)."""
    with op.batch_alter_table('funding_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subsidy_min_age', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('subsidy_amount', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('subsidy_yearly_cap', sa.Numeric(precision=12, scale=2), nullable=True))
    with op.batch_alter_table('subsidy_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('policy_version', sa.Integer(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('subsidy_checks', schema=None) as batch_op:
        batch_op.drop_column('policy_version')
    with op.batch_alter_table('funding_policies', schema=None) as batch_op:
        batch_op.drop_column('subsidy_yearly_cap')
        batch_op.drop_column('subsidy_amount')
        batch_op.drop_column('subsidy_min_age')
