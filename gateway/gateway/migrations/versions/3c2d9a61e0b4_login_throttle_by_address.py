"""login throttle by client address: per (username, address) and per address

Revision ID: 3c2d9a61e0b4
Revises: d0744dc59a5a
Create Date: 2026-12-04 15:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '3c2d9a61e0b4'
down_revision: Union[str, Sequence[str], None] = 'd0744dc59a5a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _counts():
    return [sa.Column('failures', sa.Integer(), nullable=False),
            sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True)]


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('login_throttle_pairs',
                    sa.Column('username', sa.String(length=100), nullable=False),
                    sa.Column('address', sa.String(length=64), nullable=False),
                    *_counts(),
                    sa.PrimaryKeyConstraint('username', 'address'))
    op.create_table('login_throttle_addresses',
                    sa.Column('address', sa.String(length=64), nullable=False),
                    *_counts(),
                    sa.PrimaryKeyConstraint('address'))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('login_throttle_addresses')
    op.drop_table('login_throttle_pairs')
