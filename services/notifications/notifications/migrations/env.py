from notifications.models import Base
from wuji_infra.migrations import run_migrations

run_migrations(Base.metadata)
