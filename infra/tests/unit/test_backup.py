"""Backups on SQLite (PostgreSQL: tests/e2e/test_restore_drill.py)."""
import datetime as dt
import json

import pytest
import sqlalchemy as sa

from wuji_infra import backup
from wuji_infra.tables import metadata, outbox

UTC = dt.timezone.utc


def database(path):
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    metadata.create_all(engine, tables=[outbox])
    return url, engine


def row(event_id, created_at, published=True):
    return {"event_id": event_id, "event_type": "member_updated", "payload": "{}", "created_at": created_at,
            "published_at": created_at if published else None}


def event_ids(engine):
    with engine.connect() as connection:
        return connection.execute(sa.select(outbox.c.event_id).order_by(outbox.c.id)).scalars().all()


def test_a_restore_puts_back_what_the_backup_held_and_nothing_written_since(tmp_path):
    url, engine = database(tmp_path / "welfare.sqlite3")
    at = dt.datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(outbox.insert(), [row("a", at), row("b", at)])
    backup.dump(url, str(tmp_path / "welfare.backup"))
    with engine.begin() as connection:
        connection.execute(outbox.insert(), [row("c", at)])
        connection.execute(outbox.delete().where(outbox.c.event_id == "a"))
    engine.dispose()

    backup.restore(url, str(tmp_path / "welfare.backup"))
    assert event_ids(engine) == ["a", "b"]


def test_dump_all_backs_up_every_process_with_a_manifest(tmp_path, monkeypatch):
    for process in ("members", "welfare"):
        url, engine = database(tmp_path / f"{process}.sqlite3")
        with engine.begin() as connection:
            connection.execute(outbox.insert(), [row(process, dt.datetime(2026, 12, 5, tzinfo=UTC))])
        engine.dispose()
        monkeypatch.setenv(f"{process.upper()}_DATABASE_URL", url)
    folder = tmp_path / "backups"
    manifest = backup.dump_all(str(folder), processes=("members", "welfare"))
    assert manifest["files"] == {"members": "members.sqlite3", "welfare": "welfare.sqlite3"}
    assert json.loads((folder / "manifest.json").read_text())["files"] == manifest["files"]
    _, copy = database(folder / "welfare.sqlite3")
    assert event_ids(copy) == ["welfare"]


def test_republish_marks_only_the_events_since_the_moment_for_publishing_again(tmp_path):
    url, engine = database(tmp_path / "members.sqlite3")
    before = dt.datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    after = dt.datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(outbox.insert(), [row("old", before), row("new", after), row("waiting", after, False)])
    assert backup.republish(url, dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))) == 1
    with engine.connect() as connection:
        unpublished = connection.execute(sa.select(outbox.c.event_id).where(outbox.c.published_at.is_(None))
                                         .order_by(outbox.c.id)).scalars().all()
    assert unpublished == ["new", "waiting"]


def test_a_time_without_its_zone_is_refused(capsys):
    with pytest.raises(SystemExit):
        backup.main(["republish", "members", "--since", "2026-12-05T02:00:00"])
    assert "time zone" in capsys.readouterr().err
