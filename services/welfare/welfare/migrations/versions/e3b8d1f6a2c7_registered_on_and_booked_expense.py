"""member_facts.registered_on (the day a member counts from); visit_records.expense_id

Revision ID: e3b8d1f6a2c7
Revises: 58f1a2a0a8e7
Create Date: 2026-12-04 20:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = 'e3b8d1f6a2c7'
down_revision: Union[str, Sequence[str], None] = '58f1a2a0a8e7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('member_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registered_on', sa.Date(), nullable=True))
    with op.batch_alter_table('visit_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expense_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('visit_records', schema=None) as batch_op:
        batch_op.drop_column('expense_id')
    with op.batch_alter_table('member_facts', schema=None) as batch_op:
        batch_op.drop_column('registered_on')
