"""withdrawals (撤销误录): who withdrew a member or branch entered in error, when and why;
the ID number and the branch name unique only among the records not withdrawn

Revision ID: e4a1c7d92b56
Revises: d7e2c4a9b1f3
Create Date: 2026-12-04 22:20:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from wuji_infra.types import UtcDateTime

# revision identifiers, used by Alembic.
revision: str = 'e4a1c7d92b56'
down_revision: Union[str, Sequence[str], None] = 'd7e2c4a9b1f3'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NOT_WITHDRAWN = sa.text("withdrawn_at IS NULL")
# the unique rules of the first revision: (table, column, the partial index that takes their place)
UNIQUE = (("members", "id_number", "uq_members_id_number_standing"), ("branches", "name", "uq_branches_name_standing"))
# SQLite reflects the first revision's unique constraints without a name: batch mode names them so
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _drop_unique(table, column):
    """Drop the unnamed unique constraint of ``table.column`` (PostgreSQL named it itself)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table(table, naming_convention=NAMING) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_{column}", type_="unique")
        return
    for constraint in sa.inspect(bind).get_unique_constraints(table):
        if constraint["column_names"] == [column]:
            op.drop_constraint(constraint["name"], table, type_="unique")


def upgrade() -> None:
    for table in ("members", "branches"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('withdrawn_at', UtcDateTime(), nullable=True))
            batch_op.add_column(sa.Column('withdrawn_reason', sa.String(length=500), nullable=True))
            batch_op.add_column(sa.Column('withdrawn_by', sa.String(length=100), nullable=True))
    for table, column, index in UNIQUE:
        _drop_unique(table, column)
        op.create_index(index, table, [column], unique=True, postgresql_where=NOT_WITHDRAWN,
                        sqlite_where=NOT_WITHDRAWN)


def downgrade() -> None:
    for table, column, index in UNIQUE:
        op.drop_index(index, table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_unique_constraint(None if op.get_bind().dialect.name == "sqlite" else f"{table}_{column}_key",
                                              [column])
    for table in ("members", "branches"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('withdrawn_by')
            batch_op.drop_column('withdrawn_reason')
            batch_op.drop_column('withdrawn_at')
