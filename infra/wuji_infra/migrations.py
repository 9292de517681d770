"""Alembic, driven from code: each service keeps its revisions in ``<service>/migrations``.

    python -m wuji_infra.migrations upgrade members        # to the latest revision
    python -m wuji_infra.migrations revision members -m "add pairings"

``revision`` autogenerates against a scratch SQLite database brought to head,
so it needs no running server. A service's ``migrations/env.py`` is two lines:
``run_migrations(Base.metadata)``.
"""
import argparse
import os
import sys
import tempfile

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config

from wuji_infra import config as settings
from wuji_infra import tables


def alembic_config(process, url=None):
    cfg = Config()
    cfg.set_main_option("script_location", f"{process}:migrations")
    cfg.set_main_option("sqlalchemy.url", (url or settings.database_url(process)).replace("%", "%%"))
    return cfg


def upgrade(process, url=None):
    command.upgrade(alembic_config(process, url), "head")


_HEADS = {}


def head_revision(process):
    """The newest revision of the process's migrations (read once: it does not change while running)."""
    if process not in _HEADS:
        from alembic.script import ScriptDirectory
        _HEADS[process] = ScriptDirectory.from_config(alembic_config(process, "sqlite://")).get_current_head()
    return _HEADS[process]


def current_revision(session):
    """The revision the session's database is at (None before the first migration)."""
    from alembic.migration import MigrationContext
    return MigrationContext.configure(session.connection()).get_current_revision()


def at_head(process, session):
    """Whether the database is at the newest revision: a process behind it is not ready."""
    return current_revision(session) == head_revision(process)


def run_migrations(metadata, messaging=True):
    """Body of a service's migrations/env.py (online mode only)."""
    target = [metadata, tables.metadata] if messaging else metadata
    url = context.config.get_main_option("sqlalchemy.url")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def create_request_keys():
    """The ``request_keys`` table as first made in every database (a revision of each process calls it)."""
    from alembic import op
    op.create_table(
        "request_keys",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_request_keys_created_at", "request_keys", ["created_at"], unique=False)


def drop_request_keys():
    from alembic import op
    op.drop_index("ix_request_keys_created_at", table_name="request_keys")
    op.drop_table("request_keys")


def autogenerate(process, message):
    with tempfile.TemporaryDirectory() as scratch:
        url = "sqlite:///" + os.path.join(scratch, "scratch.sqlite3")
        upgrade(process, url)
        command.revision(alembic_config(process, url), message=message, autogenerate=True)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m wuji_infra.migrations")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("upgrade")
    up.add_argument("process")
    rev = sub.add_parser("revision")
    rev.add_argument("process")
    rev.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)
    if args.command == "upgrade":
        upgrade(args.process)
    else:
        autogenerate(args.process, args.message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
