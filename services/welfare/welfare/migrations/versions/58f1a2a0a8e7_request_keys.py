"""request keys: every write once per request key (wuji_infra.idempotency)

Revision ID: 58f1a2a0a8e7
Revises: 0c6ab7e7f1c5
Create Date: 2026-12-04 15:11:27.367892

"""
from typing import Sequence, Union

from wuji_infra.migrations import create_request_keys, drop_request_keys


# revision identifiers, used by Alembic.
revision: str = '58f1a2a0a8e7'
down_revision: Union[str, Sequence[str], None] = '0c6ab7e7f1c5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    create_request_keys()


def downgrade() -> None:
    """Downgrade schema."""
    drop_request_keys()
