from gateway.models import Base
from wuji_infra.migrations import run_migrations

run_migrations(Base.metadata, messaging=False)  # the gateway emits no events: no outbox, no inbox
