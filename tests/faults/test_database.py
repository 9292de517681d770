"""PostgreSQL cutting the services' connections while they work."""
import threading
import time

import pytest
import sqlalchemy as sa

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

CUT = ("members", "welfare", "funding")


def test_database_connections_killed_mid_handler(system, ward, record):
    members = ward.members(20)
    databases = [sa.engine.make_url(system.env[f"{name.upper()}_DATABASE_URL"]).database for name in CUT]
    admin = sa.create_engine(system.env["MEMBERS_DATABASE_URL"], poolclass=sa.pool.NullPool,
                             isolation_level="AUTOCOMMIT")
    killed = []
    stop = threading.Event()

    def cut_connections():
        while not stop.is_set():
            with admin.connect() as connection:
                killed.extend(connection.execute(sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = ANY(:names) AND pid <> pg_backend_pid()"), {"names": databases}).scalars())
            time.sleep(0.25)

    admitting = ward.admit_in_background(members, pause=0.1)
    cutter = threading.Thread(target=cut_connections)
    cutter.start()
    time.sleep(4)
    stop.set()
    cutter.join()
    admitting.wait()
    admin.dispose()
    assert killed, "no connection was cut"
    record("PostgreSQL connections of three services killed (4 s, every 250 ms)", **ward.count(members),
           note=f"{len(killed)} connections terminated mid-stream; handlers retried, requests retried with keys")
