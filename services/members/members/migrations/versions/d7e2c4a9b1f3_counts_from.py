"""members.counts_from: the day a member counts from (入册日期), for go-live

Revision ID: d7e2c4a9b1f3
Revises: b1d341f3a484
Create Date: 2026-12-04 19:55:00.000000

"""
import datetime as dt
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from wuji_infra.types import office_date

# revision identifiers, used by Alembic.
revision: str = 'd7e2c4a9b1f3'
down_revision: Union[str, Sequence[str], None] = 'b1d341f3a484'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counts_from', sa.Date(), nullable=True))
    # a member registered before this counted from the office's day of the registration
    members = sa.table('members', sa.column('id', sa.Integer), sa.column('created_at', sa.DateTime(timezone=True)),
                       sa.column('counts_from', sa.Date))
    bind = op.get_bind()
    for member_id, created_at in bind.execute(sa.select(members.c.id, members.c.created_at)).all():
        if created_at.tzinfo is None:  # SQLite keeps no zone: stored as UTC
            created_at = created_at.replace(tzinfo=dt.timezone.utc)
        bind.execute(members.update().where(members.c.id == member_id).values(counts_from=office_date(created_at)))
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.alter_column('counts_from', existing_type=sa.Date(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('counts_from')
