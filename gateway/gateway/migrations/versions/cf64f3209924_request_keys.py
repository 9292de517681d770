"""request keys: every write once per request key (wuji_infra.idempotency)

Revision ID: cf64f3209924
Revises: 9f5c1f067b55
Create Date: 2026-12-04 15:11:29.251984

"""
from typing import Sequence, Union

from wuji_infra.migrations import create_request_keys, drop_request_keys


# revision identifiers, used by Alembic.
revision: str = 'cf64f3209924'
down_revision: Union[str, Sequence[str], None] = '9f5c1f067b55'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    create_request_keys()


def downgrade() -> None:
    """Downgrade schema."""
    drop_request_keys()
