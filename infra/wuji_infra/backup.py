"""Backups of each process's database, and putting one back.

    python -m wuji_infra.backup dump welfare backups/welfare-2026-12-05.dump
    python -m wuji_infra.backup dump-all backups/2026-12-05/
    python -m wuji_infra.backup restore welfare backups/welfare-2026-12-05.dump
    python -m wuji_infra.backup republish members --since 2026-12-05T02:00:00+08:00

Each process's database (``<PROCESS>_DATABASE_URL``) is backed up on its own: PostgreSQL with
``pg_dump`` (custom format, read by ``pg_restore``), SQLite with SQLite's online backup, both
consistent while the process runs. ``restore`` replaces the database's contents with the
backup's; stop that process first, and start it afterwards (it migrates an older backup to the
newest revision as it starts).

What a restored service missed since its backup comes back from the others: ``republish``
marks the events a producer emitted since a moment as not yet published, and its running relay
publishes them again with their own event ids. Consumers that handled them already skip them
(their inbox); the restored one handles what it lacks. ``python -m members.replay`` announces
every member's current facts as well. What was written to the restored service itself since
the backup (a visit recorded, a budget added) is not in any event, and is lost with it.
"""
import argparse
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys

import sqlalchemy as sa

from wuji_infra import config
from wuji_infra.tables import outbox

MANIFEST = "manifest.json"


def _libpq_url(url):
    """The URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url):
    return sa.engine.make_url(url).database


def _is_postgres(url):
    return sa.engine.make_url(url).get_backend_name() == "postgresql"


def suffix(url):
    return ".dump" if _is_postgres(url) else ".sqlite3"


def dump(url, path):
    """Write a consistent backup of the database at ``url`` to ``path``."""
    if _is_postgres(url):
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", path, _libpq_url(url)],
                       check=True, capture_output=True, text=True)
        return
    source = sqlite3.connect(_sqlite_path(url))
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def restore(url, path):
    """Replace the contents of the database at ``url`` with the backup at ``path``."""
    if not os.path.exists(path):
        raise FileNotFoundError(path)
    if _is_postgres(url):
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                        "--exit-on-error", "--dbname", _libpq_url(url), path],
                       check=True, capture_output=True, text=True)
        return
    source = sqlite3.connect(path)
    target = sqlite3.connect(_sqlite_path(url))
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def dump_all(folder, processes=config.PROCESSES):
    """Back up every process's database into ``folder``, with a manifest of when and what."""
    os.makedirs(folder, exist_ok=True)
    files = {}
    for process in processes:
        url = config.database_url(process)
        name = process + suffix(url)
        dump(url, os.path.join(folder, name))
        files[process] = name
    manifest = {"taken_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "files": files}
    with open(os.path.join(folder, MANIFEST), "w", encoding="utf-8") as file:
        json.dump(manifest, file, indent=2)
    return manifest


def republish(url, since):
    """Mark the outbox rows created at or after ``since`` as unpublished; returns how many.
    The producer's running relay publishes them again, in their order."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            return connection.execute(sa.update(outbox).where(outbox.c.created_at >= since)
                                      .where(outbox.c.published_at.is_not(None))
                                      .values(published_at=None)).rowcount
    finally:
        engine.dispose()


def _moment(text):
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give the time zone, e.g. 2026-12-05T02:00:00+08:00")
    return moment


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, what in (("dump", "back up one process's database to FILE"),
                       ("restore", "replace one process's database with FILE (stop the process first)")):
        command = commands.add_parser(name, help=what)
        command.add_argument("process", choices=config.PROCESSES)
        command.add_argument("file")
    every = commands.add_parser("dump-all", help="back up every process's database into FOLDER")
    every.add_argument("folder")
    again = commands.add_parser("republish", help="publish a producer's events since a moment again")
    again.add_argument("process", choices=config.SERVICES)
    again.add_argument("--since", type=_moment, required=True, help="ISO 8601 time with its zone")
    args = parser.parse_args(argv)

    try:
        if args.command == "dump":
            dump(config.database_url(args.process), args.file)
            print(f"{args.process}: backed up to {args.file}")
        elif args.command == "restore":
            restore(config.database_url(args.process), args.file)
            print(f"{args.process}: restored from {args.file}; start it, then republish what it missed "
                  "(python -m wuji_infra.backup republish members --since <the backup's time>)")
        elif args.command == "dump-all":
            manifest = dump_all(args.folder)
            print(f"backed up {', '.join(manifest['files'])} to {args.folder} at {manifest['taken_at']}")
        else:
            count = republish(config.database_url(args.process), args.since)
            print(f"{args.process}: {count} events since {args.since.isoformat()} marked for publishing again; "
                  "its running process publishes them")
    except subprocess.CalledProcessError as failed:
        sys.exit(f"{failed.cmd[0]} failed: {failed.stderr.strip()}")
    except (OSError, sqlite3.Error) as failed:
        sys.exit(f"{args.command}: {failed}")


if __name__ == "__main__":
    main()
