"""request keys: every write once per request key (wuji_infra.idempotency)

Revision ID: 7df1f24da30e
Revises: 04260e73cc3c
Create Date: 2026-12-04 15:11:28.375581

"""
from typing import Sequence, Union

from wuji_infra.migrations import create_request_keys, drop_request_keys


# revision identifiers, used by Alembic.
revision: str = '7df1f24da30e'
down_revision: Union[str, Sequence[str], None] = '04260e73cc3c'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    create_request_keys()


def downgrade() -> None:
    """Downgrade schema."""
    drop_request_keys()
