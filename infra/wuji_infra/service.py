"""What every Wuji service has: its database and a health probe."""
import sqlalchemy as sa
from nameko.rpc import rpc

from wuji_infra.db import Database


class ServiceBase:
    db = Database()

    @rpc
    def ping(self):
        """Answers when the service runs and its database answers."""
        with self.db.read() as session:
            session.execute(sa.text("SELECT 1"))
        return {"status": "ok"}
