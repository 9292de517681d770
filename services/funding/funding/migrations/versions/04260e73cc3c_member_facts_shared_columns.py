"""member facts: the shared columns (status String(32), branch and status indexed)

Revision ID: 04260e73cc3c
Revises: e7b2c9d0a4f1
Create Date: 2026-12-01 22:20:43.438084

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '04260e73cc3c'
down_revision: Union[str, Sequence[str], None] = 'e7b2c9d0a4f1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('member_facts', schema=None) as batch_op:
        batch_op.alter_column('status',
               existing_type=sa.VARCHAR(length=20),
               type_=sa.String(length=32),
               existing_nullable=False)
        batch_op.create_index(batch_op.f('ix_member_facts_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_facts_status'), ['status'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('member_facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_facts_status'))
        batch_op.drop_index(batch_op.f('ix_member_facts_branch_id'))
        batch_op.alter_column('status',
               existing_type=sa.String(length=32),
               type_=sa.VARCHAR(length=20),
               existing_nullable=False)

