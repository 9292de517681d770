"""member facts: the shared columns (table member_facts, as_of)

Revision ID: 895d0e620fb4
Revises: e57223201c6d
Create Date: 2026-12-01 23:02:24.767394

The copy of the roster becomes ``member_facts`` with the columns every service
shares (``wuji_infra.member_facts.MemberFactsColumns``): ``facts_as_of`` is
renamed ``as_of``, ``name`` and ``status`` widen, ``branch_id`` and ``status``
get their own indexes. The rows stay; member_specialties' foreign key follows
the renamed table (PostgreSQL keeps it by the table's identity, SQLite 3.26+
rewrites it on RENAME).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '895d0e620fb4'
down_revision: Union[str, Sequence[str], None] = 'e57223201c6d'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _columns(batch_op, as_of, name_length, status_length, renamed_from):
    batch_op.alter_column(renamed_from, new_column_name=as_of, existing_type=sa.DateTime(timezone=True),
                          existing_nullable=False)
    batch_op.alter_column('name', type_=sa.String(length=name_length), existing_nullable=False)
    batch_op.alter_column('status', type_=sa.String(length=status_length), existing_nullable=False)


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('ix_members_branch_status')
        _columns(batch_op, 'as_of', 100, 32, renamed_from='facts_as_of')
    op.rename_table('members', 'member_facts')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX members_pkey RENAME TO member_facts_pkey")
    with op.batch_alter_table('member_facts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_facts_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index('ix_member_facts_branch_status', ['branch_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_facts_status'), ['status'], unique=False)


def downgrade() -> None:
    """Downgrade schema (a name or status longer than before would not fit: none is)."""
    with op.batch_alter_table('member_facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_facts_status'))
        batch_op.drop_index('ix_member_facts_branch_status')
        batch_op.drop_index(batch_op.f('ix_member_facts_branch_id'))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX member_facts_pkey RENAME TO members_pkey")
    op.rename_table('member_facts', 'members')
    with op.batch_alter_table('members', schema=None) as batch_op:
        _columns(batch_op, 'facts_as_of', 50, 16, renamed_from='as_of')
        batch_op.create_index('ix_members_branch_status', ['branch_id', 'status'], unique=False)
