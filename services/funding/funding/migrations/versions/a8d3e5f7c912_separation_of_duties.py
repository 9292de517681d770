"""separation of duties in the funding policy

Revision ID: a8d3e5f7c912
Revises: 7df1f24da30e
Create Date: 2026-12-05 09:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'a8d3e5f7c912'
down_revision: Union[str, Sequence[str], None] = '7df1f24da30e'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema: versions set before did not separate duties (false)."""
    with op.batch_alter_table('funding_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('separation_of_duties', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('funding_policies', schema=None) as batch_op:
        batch_op.drop_column('separation_of_duties')
