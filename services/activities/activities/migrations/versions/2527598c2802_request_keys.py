"""request keys: every write once per request key (wuji_infra.idempotency)

Revision ID: 2527598c2802
Revises: 895d0e620fb4
Create Date: 2026-12-04 15:11:26.417276

"""
from typing import Sequence, Union

from wuji_infra.migrations import create_request_keys, drop_request_keys


# revision identifiers, used by Alembic.
revision: str = '2527598c2802'
down_revision: Union[str, Sequence[str], None] = '895d0e620fb4'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    create_request_keys()


def downgrade() -> None:
    """Downgrade schema."""
    drop_request_keys()
