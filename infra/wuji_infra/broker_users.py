"""Each Wuji process's own RabbitMQ user, allowed what the process needs and no more.

    python -m wuji_infra.broker_users apply [--vhost /] [--passwords DIR]
    python -m wuji_infra.broker_users print [--vhost /] [--host localhost:5672] [--passwords DIR]
    python -m wuji_infra.broker_users definitions --output FILE [--vhost /] [--passwords DIR]

``apply`` makes (or updates) the users ``wuji-<process>`` and their permissions
with ``rabbitmqctl``; ``print`` shows those commands and each process's
``<PROCESS>_AMQP_URI`` for ``.env``; ``definitions`` writes them as a RabbitMQ
definitions file, which docker compose's broker loads at boot.

Passwords are read from ``DIR/<process>/password`` (default ``var/broker-users``),
generated there (mode 0600) when missing; write one there first to choose it.

Events carry no signature: what makes a ``member_hospitalized`` genuine is
that only the members user may write to ``members.events``, and that no user
may write to the default exchange (which reaches every queue by its name).
Messages a service sends back to its own queues (retries, dead letters,
replays) go through its own ``<service>.retry`` exchange.
"""
import argparse
import json
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import urllib.parse

from wuji_infra import config

UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
METHOD = "[a-z0-9_]+"
RPC_EXCHANGE = "nameko-rpc"

# whose events each process consumes (its event handlers' sources; docs/events.md)
SOURCES = {
    "members": (),
    "activities": ("members", "funding"),
    "welfare": ("members", "funding"),
    "funding": ("members", "activities", "welfare"),
    "notifications": ("members", "welfare", "funding"),
    "gateway": (),
}


def user(process, prefix="wuji"):
    return f"{prefix}-{process}"


def _exactly(*patterns):
    """One RabbitMQ regex matching whole names only (RabbitMQ does not anchor them)."""
    return "^(" + "|".join(patterns) + ")$"


def _name(text):
    return text.replace(".", r"\.")


def permissions(process):
    """The (configure, write, read) regexes of the process's user.

    configure: declare (and delete) a queue or exchange; write: publish to an
    exchange, bind a queue; read: consume or purge a queue, bind to an exchange.
    """
    if process == "gateway":
        # RPC to the services; its own RPC queue (ping) and reply queues
        names = [RPC_EXCHANGE, "rpc-gateway", rf"rpc\.reply-gateway-{UUID}"]
        return _exactly(*names), _exactly(*names), _exactly(*names)
    sources = SOURCES[process]
    queues = [
        f"rpc-{process}",
        rf"rpc\.reply-standalone_rpc_client-{UUID}",  # wuji_infra.health, run as the service
        f"evt-({'|'.join(sources)})-{METHOD}--{process}\\.{METHOD}" if sources else None,
        _name(f"{process}.dead-letters"),
    ]
    queues = [queue for queue in queues if queue]
    own_exchanges = [RPC_EXCHANGE, _name(f"{process}.events"), _name(f"{process}.retry")]
    # consumers declare the source's exchange (kombu declares a queue's exchange):
    # configure lets them declare or delete it, never publish to it
    source_exchanges = [_name(f"{source}.events") for source in sources]
    configure = _exactly(*own_exchanges, *source_exchanges, *queues)
    write = _exactly(*own_exchanges, *queues)
    read = _exactly(RPC_EXCHANGE, _name(f"{process}.retry"), *source_exchanges, *queues)
    return configure, write, read


def rpc_topic_permissions(process):
    """The (write, read) regexes of routing keys on nameko-rpc.

    Write on nameko-rpc is needed both to call and to reply; these say to
    whom: a service only replies (a reply's key is the caller's reply queue id)
    or pings itself (the health probe); only the gateway calls the services.
    Read limits what a queue may be bound with, so no service can bind a queue
    of its own to another service's requests.
    """
    if process == "gateway":
        services = "|".join(config.SERVICES)
        return _exactly(f"({services})\\.{METHOD}", UUID), _exactly(r"gateway\.\*", UUID)
    return _exactly(UUID, _name(f"{process}.ping")), _exactly(_name(process) + r"\.\*", UUID)


# -- passwords -----------------------------------------------------------------

def default_password_dir():
    return os.path.join(config.var_dir(), "broker-users")


def password_path(directory, process):
    return os.path.join(directory, process, "password")


def password(directory, process):
    """The process's password, generated once and kept in ``DIR/<process>/password`` (0600)."""
    path = password_path(directory, process)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        config.write_once(path, secrets.token_hex(24))  # hex: never starts with "-" (an option to rabbitmqctl)
    with open(path, encoding="utf-8") as file:
        value = file.read().strip()
    if not value:
        raise SystemExit(f"{path} is empty")
    return value


def uri(process, user_password, host="localhost:5672", vhost="/", prefix="wuji"):
    quote = urllib.parse.quote
    path = "" if vhost == "/" else quote(vhost, safe="")
    return f"amqp://{quote(user(process, prefix), safe='')}:{quote(user_password, safe='')}@{host}/{path}"


# -- rabbitmqctl and definitions ---------------------------------------------------

def commands(vhost, passwords, existing_users=(), prefix="wuji"):
    """The rabbitmqctl argument lists that make the users; ``passwords``: {process: password}."""
    result = []
    for process in config.PROCESSES:
        name = user(process, prefix)
        if name in existing_users:
            result.append(["change_password", name, passwords[process]])
        else:
            result.append(["add_user", name, passwords[process]])
        result.append(["set_permissions", "-p", vhost, name, *permissions(process)])
        result.append(["set_topic_permissions", "-p", vhost, name, RPC_EXCHANGE, *rpc_topic_permissions(process)])
    return result


def rabbitmqctl(*args):
    program = shutil.which("rabbitmqctl") or shutil.which("rabbitmqctl", path="/usr/sbin:/usr/local/sbin")
    if program is None:
        raise SystemExit("rabbitmqctl not found: run this where the broker runs, or use the definitions command")
    done = subprocess.run([program, "-q", *args], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        shown = args[:2] if args[0] in ("add_user", "change_password") else args  # never the password
        raise SystemExit(f"rabbitmqctl {' '.join(shown)} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def existing_users():
    lines = rabbitmqctl("list_users").splitlines()
    return {line.split("\t")[0] for line in lines[1:] if line.strip()}  # after the header line


def apply(vhost, directory, prefix="wuji"):
    """Make or update the users on ``vhost``; returns {process: password}."""
    passwords = {process: password(directory, process) for process in config.PROCESSES}
    for args in commands(vhost, passwords, existing_users(), prefix):
        rabbitmqctl(*args)
    return passwords


def password_hash(text, salt=None):
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password))."""
    import base64
    import hashlib

    salt = secrets.token_bytes(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + text.encode("utf-8")).digest()).decode("ascii")


def definitions(vhost, passwords):
    """A RabbitMQ definitions document with the vhost, the users and their permissions."""
    users, granted, topics = [], [], []
    for process in config.PROCESSES:
        name = user(process)
        users.append({"name": name, "password_hash": password_hash(passwords[process]),
                      "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": []})
        configure, write, read = permissions(process)
        granted.append({"user": name, "vhost": vhost, "configure": configure, "write": write, "read": read})
        topic_write, topic_read = rpc_topic_permissions(process)
        topics.append({"user": name, "vhost": vhost, "exchange": RPC_EXCHANGE, "write": topic_write, "read": topic_read})
    return {"users": users, "vhosts": [{"name": vhost}], "permissions": granted, "topic_permissions": topics}


def write_definitions(path, document):
    # readable by the broker's own user; it holds salted hashes of random passwords only
    scratch = f"{path}.{os.getpid()}"
    with open(os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), "w", encoding="utf-8") as file:
        json.dump(document, file, indent=2)
    os.chmod(scratch, 0o644)
    os.replace(scratch, path)


def env_name(process):
    return f"{process.upper()}_AMQP_URI"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m wuji_infra.broker_users")
    sub = parser.add_subparsers(dest="command", required=True)
    made = {
        "apply": sub.add_parser("apply", help="make or update the users with rabbitmqctl"),
        "print": sub.add_parser("print", help="show the rabbitmqctl commands and the processes' URIs"),
        "definitions": sub.add_parser("definitions", help="write a RabbitMQ definitions file"),
    }
    for command in made.values():
        command.add_argument("--vhost", default="/")
        command.add_argument("--passwords", metavar="DIR", help="where the passwords are kept [var/broker-users]")
    made["print"].add_argument("--host", default="localhost:5672", help="host:port in the URIs")
    made["definitions"].add_argument("--output", required=True, metavar="FILE")
    args = parser.parse_args(argv)
    directory = args.passwords or default_password_dir()

    if args.command == "apply":
        apply(args.vhost, directory)
        for process in config.PROCESSES:
            print(f"{user(process)}: permissions set on vhost {args.vhost}; password in "
                  f"{password_path(directory, process)}")
        print("the processes' URIs: python -m wuji_infra.broker_users print")
    elif args.command == "print":
        passwords = {process: password(directory, process) for process in config.PROCESSES}
        print("# what apply runs (passwords from " + directory + "):")
        for args_ in commands(args.vhost, {p: "PASSWORD" for p in config.PROCESSES}):
            print("# rabbitmqctl " + shlex.join(args_))
        print("# each process's own URI (for .env):")
        for process in config.PROCESSES:
            print(f"{env_name(process)}={uri(process, passwords[process], args.host, args.vhost)}")
    else:
        passwords = {process: password(directory, process) for process in config.PROCESSES}
        write_definitions(args.output, definitions(args.vhost, passwords))
        print(f"wrote {args.output}: users {', '.join(user(p) for p in config.PROCESSES)} on vhost {args.vhost}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
