"""member registered on

Revision ID: e7b2c9d0a4f1
Revises: d4e8f1a2b3c6
Create Date: 2026-11-26 07:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'e7b2c9d0a4f1'
down_revision: Union[str, Sequence[str], None] = 'd4e8f1a2b3c6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema: members already known keep NULL (on the roster all along: dues from January)."""
    with op.batch_alter_table('member_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registered_on', sa.Date(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('member_facts', schema=None) as batch_op:
        batch_op.drop_column('registered_on')
