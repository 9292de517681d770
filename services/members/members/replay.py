"""Announce every member's current facts again, as ``member_updated``.

    python -m members.replay

For a service whose copy of the roster is missing or behind: one started
after members were registered, or whose database was restored from an old
backup. Welfare, funding and activities keep the facts their rules need from
member events; an event is newer than any copy they hold, so each takes the
facts as they are now (a member they know as dead stays dead).

The events are written to the members outbox in chunks, each chunk in its own
transaction; the running members process publishes them (its relay takes
outbox rows older than two seconds), or does so when it next starts.
"""
import argparse
import logging

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from members.handlers.roster import member_facts
from members.models import Member
from wuji_infra import config
from wuji_infra.db import Store, make_engine

log = logging.getLogger(__name__)

CHUNK = 1000


def replay_member_facts(store, chunk=CHUNK):
    """Queue ``member_updated`` with the current facts of every member, in id order; returns how many."""
    count, last_id = 0, 0
    while True:
        with store.transaction() as tx:
            members = tx.session.scalars(
                sa.select(Member).where(Member.id > last_id).order_by(Member.id).limit(chunk)).all()
            if not members:
                return count
            tx.emit_many("member_updated", [member_facts(member) for member in members])
        last_id, count = members[-1].id, count + len(members)
        log.info("member facts queued for %s members so far", count)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = make_engine(config.database_url("members"))
    try:
        count = replay_member_facts(Store(sessionmaker(engine, expire_on_commit=False), "members"))
    finally:
        engine.dispose()
    print(f"已为 {count} 名党员重新发布信息 (member_updated queued for {count} members; "
          "the members process publishes them)")


if __name__ == "__main__":
    main()
