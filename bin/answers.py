"""Does the server a setting points at answer?

    python bin/answers.py AMQP_URI                      # RabbitMQ (kombu)
    python bin/answers.py WUJI_TEST_POSTGRES_URL --wait 60   # PostgreSQL (SQLAlchemy)

Exits 0 when it answers (within ``--wait`` seconds), else 1; prints one line
either way (the failure on stderr). ``--url`` prints the URL, password hidden.
The URL comes from wuji_infra.config, as in every process. Used by bin/ensure-services.
"""
import argparse
import re
import sys
import time

from wuji_infra import config


def shown(url):
    return re.sub(r"//([^:/@]*):[^@]*@", r"//\1:***@", url)


def kind(url):
    return "RabbitMQ" if url.startswith("amqp") else "PostgreSQL"


def check(url):
    """None when the server answers, else the error."""
    try:
        if kind(url) == "RabbitMQ":
            from kombu import Connection
            from amqp.exceptions import AccessRefused
            with Connection(url, connect_timeout=3) as connection:
                try:
                    connection.ensure_connection(max_retries=1)
                except AccessRefused:
                    pass  # a broker answers; with per-process users it refuses the shared guest
        else:
            import sqlalchemy as sa
            engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": 3})
            with engine.connect():
                pass
            engine.dispose()
        return None
    except Exception as exc:  # any failure means "does not answer"
        return exc


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python bin/answers.py")
    parser.add_argument("setting", choices=sorted(config.SETTINGS))
    parser.add_argument("--wait", type=float, default=0, metavar="SECONDS")
    parser.add_argument("--url", action="store_true", help="print the URL (password hidden) and exit")
    args = parser.parse_args(argv)
    url = config.env(args.setting)
    if args.url:
        print(shown(url))
        return 0
    deadline = time.monotonic() + args.wait
    while (error := check(url)) is not None and time.monotonic() < deadline:
        time.sleep(1)
    if error is None:
        print(f"{kind(url)} answers at {shown(url)}")
    else:
        waited = f" after {args.wait:g}s" if args.wait else ""
        reason = " ".join(str(getattr(error, "orig", None) or error).split())
        print(f"no {kind(url)} answers at {shown(url)} ({args.setting}){waited}: {reason}", file=sys.stderr)
    return 0 if error is None else 1


if __name__ == "__main__":
    sys.exit(main())
