"""request keys: every write once per request key (wuji_infra.idempotency)

Revision ID: b1d341f3a484
Revises: c5bacd3e19d8
Create Date: 2026-12-04 15:11:25.548332

"""
from typing import Sequence, Union

from wuji_infra.migrations import create_request_keys, drop_request_keys


# revision identifiers, used by Alembic.
revision: str = 'b1d341f3a484'
down_revision: Union[str, Sequence[str], None] = 'c5bacd3e19d8'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    create_request_keys()


def downgrade() -> None:
    """Downgrade schema."""
    drop_request_keys()
