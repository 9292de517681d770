"""Start one Wuji process: wait for the broker, migrate its database, run it.

    python -m wuji_infra.run members      # or activities, welfare, funding, gateway

This is what each Procfile line and each compose service runs.
"""
import logging
import os
import re
import sys
import time

from kombu import Connection

from wuji_infra import config, logs, migrations

log = logging.getLogger("wuji.run")

NAMEKO_CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nameko.yaml")
BROKER_WAIT_SECONDS = 60


def shown(uri):
    """The URI with its password hidden, for the log."""
    return re.sub(r"//([^:/@]*):[^@]*@", r"//\1:***@", uri)


def wait_for_broker(uri, seconds=BROKER_WAIT_SECONDS):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with Connection(uri, connect_timeout=3) as connection:
                connection.ensure_connection(max_retries=1)
            return
        except Exception as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"no RabbitMQ at {shown(uri)} after {seconds}s: {exc}")
            log.info("waiting for RabbitMQ at %s ...", shown(uri))
            time.sleep(1)


def main(argv=None):
    config.use_office_time_zone()  # before anything reads the clock; inherited by the exec below
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] not in config.PROCESSES:
        raise SystemExit(f"usage: python -m wuji_infra.run {{{','.join(config.PROCESSES)}}}")
    process = argv[0]
    logs.configure(process)
    config.use_process_amqp_uri(process)  # its own broker user, inherited by the exec below
    wait_for_broker(config.amqp_uri(process))
    log.info("%s: migrating %s", process, config.database_url(process).split("@")[-1])
    migrations.upgrade(process)
    os.execvp(sys.executable, [
        sys.executable, "-m", "wuji_infra.nameko_cli", "run", "--config", NAMEKO_CONFIG,
        f"{process}.service:{process.capitalize()}Service",
    ])


if __name__ == "__main__":
    main()
