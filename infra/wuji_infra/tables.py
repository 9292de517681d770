"""The tables every service has beside its own: the outbox, the inbox and the request keys.

They live in their own MetaData; each service's migrations target both its
own metadata and this one (see wuji_infra.migrations). The gateway has no
outbox or inbox: its models copy ``request_keys`` alone.
"""
import sqlalchemy as sa

from wuji_infra.types import UtcDateTime

metadata = sa.MetaData()

# Events a service has committed and the relay has (or has not yet) published.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=True, index=True),
)

# One row per (handler, event) handled, written in the handler's transaction.
inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("handler", sa.String(200), primary_key=True),
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("handled_at", UtcDateTime, nullable=False),
)

# One row per state-changing request (wuji_infra.idempotency): claimed in the transaction of
# its effect, its answer stored after the method returned.
request_keys = sa.Table(
    "request_keys",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),      # sha256 of the account and the client's key
    sa.Column("fingerprint", sa.String(64), nullable=False),  # sha256 of the method, its arguments, the body
    sa.Column("answer", sa.Text, nullable=True),             # the result as JSON, null until known
    sa.Column("created_at", UtcDateTime, nullable=False, index=True),
)
