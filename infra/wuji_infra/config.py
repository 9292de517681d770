"""Every environment variable Wuji reads, with its default, in one place.

No other module reads ``os.environ`` for settings: a test checks that, and that
docker-compose.yml gives each process the variables it reads here.
"""
import os
import secrets
import time
import urllib.parse

SERVICES = ("members", "activities", "welfare", "funding", "notifications")
PROCESSES = SERVICES + ("gateway",)

DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"

# name -> (default, the processes that read it, what it is)
SETTINGS = {
    "AMQP_URI": (DEFAULT_AMQP_URI, PROCESSES, "RabbitMQ broker, for a process without its own URI"),
    # each process's own broker user (python -m wuji_infra.broker_users)
    "MEMBERS_AMQP_URI": (None, ("members",), "members' own broker user [AMQP_URI]"),
    "ACTIVITIES_AMQP_URI": (None, ("activities",), "activities' own broker user [AMQP_URI]"),
    "WELFARE_AMQP_URI": (None, ("welfare",), "welfare's own broker user [AMQP_URI]"),
    "FUNDING_AMQP_URI": (None, ("funding",), "funding's own broker user [AMQP_URI]"),
    "NOTIFICATIONS_AMQP_URI": (None, ("notifications",), "notifications' own broker user [AMQP_URI]"),
    "GATEWAY_AMQP_URI": (None, ("gateway",), "the gateway's own broker user [AMQP_URI]"),
    "AMQP_PASSWORD_FILE": (None, PROCESSES, "a file holding the password of the process's broker user, "
                                            "put into its AMQP URI [the URI's own]"),
    "MEMBERS_DATABASE_URL": (None, ("members",), "members database [sqlite file under var/]"),
    "ACTIVITIES_DATABASE_URL": (None, ("activities",), "activities database [sqlite file under var/]"),
    "WELFARE_DATABASE_URL": (None, ("welfare",), "welfare database [sqlite file under var/]"),
    "FUNDING_DATABASE_URL": (None, ("funding",), "funding database [sqlite file under var/]"),
    "NOTIFICATIONS_DATABASE_URL": (None, ("notifications",), "notifications database [sqlite file under var/]"),
    "GATEWAY_DATABASE_URL": (None, ("gateway",), "gateway database (accounts) [sqlite file under var/]"),
    "GATEWAY_PORT": ("8000", ("gateway",), "HTTP port of the gateway"),
    "ADMIN_USERNAME": ("admin", ("gateway",), "the first admin account"),
    "ADMIN_PASSWORD": (None, ("gateway",), "its password [generated at first start, printed once]"),
    "JWT_SECRET": (None, ("gateway",), "token signing secret [generated, kept under var/]"),
    "WUJI_CONSOLE_DIR": ("console/dist", ("gateway",), "the built web console the gateway serves at / "
                                                        "(make console) [console/dist]"),
    "TRUSTED_PROXIES": ("", ("gateway",), "proxies whose X-Forwarded-For names the client of a login: "
                                          "comma-separated addresses or networks [none]"),
    "WUJI_CONTEXT_SECRET": (None, PROCESSES, "key of the call context the gateway signs and the services check "
                                             "(at least 32 characters; the same in every process) [generated, "
                                             "kept in WUJI_CONTEXT_SECRET_FILE]"),
    "WUJI_CONTEXT_SECRET_FILE": (None, PROCESSES, "where the generated context key is kept when WUJI_CONTEXT_SECRET "
                                                  "is unset: one file every process reads [var/context_secret]"),
    "RPC_TIMEOUT_SECONDS": ("5", ("gateway",), "deadline of every call from the gateway to a service"),
    "HOSPITAL_VISIT_DUE_DAYS": ("3", ("welfare",), "days from admission to the hospital visit's due date"),
    "DISCHARGE_VISIT_DUE_DAYS": ("7", ("welfare",), "days from discharge to the home follow-up visit's due date"),
    "SERIOUS_ILLNESS_VISIT_DUE_DAYS": ("3", ("welfare",), "days from a serious-illness diagnosis to the visit's due date"),
    "CONDOLENCE_VISIT_DUE_DAYS": ("2", ("welfare",), "days from a death to the condolence visit's due date"),
    "SUBSIDY_MIN_AGE": ("80", ("funding",), "age from which a hospitalized member is eligible"),
    "SUBSIDY_AMOUNT": ("500.00", ("funding",), "hardship subsidy granted by an eligible check, in yuan"),
    "SUBSIDY_YEARLY_CAP": ("2000.00", ("funding",), "most hardship subsidy one member gets in a year, in yuan"),
    "NOTIFY_WEBHOOK_URL": (None, ("notifications",), "the office group's robot webhook (企业微信 or 钉钉): pushes are "
                                                     "POSTed there [none: no pushes to a group]"),
    "NOTIFY_WEBHOOK_KIND": (None, ("notifications",), "wecom or dingtalk, for a webhook whose host does not tell "
                                                      "[from the host: qyapi.weixin.qq.com, oapi.dingtalk.com; else wecom]"),
    "NOTIFY_WEBHOOK_SECRET": (None, ("notifications",), "a DingTalk robot's signing secret (加签, SEC...) [none]"),
    "SMTP_URL": (None, ("notifications",), "mail server for pushes by email: smtp://user:password@host:587 (STARTTLS "
                                           "when offered) or smtps://…:465 [none: no email]"),
    "NOTIFY_EMAIL_TO": (None, ("notifications",), "where pushes by email go: comma-separated addresses [none]"),
    "NOTIFY_EMAIL_FROM": (None, ("notifications",), "the sender of pushes by email [wuji@ the SMTP host]"),
    "NOTIFY_RETRY_SECONDS": ("30,120,600,1800,7200", ("notifications",), "waits before a failed push's next attempts; "
                                                                         "after the last, the push is logged failed"),
    "NOTIFY_TIMEOUT_SECONDS": ("10", ("notifications",), "how long one push may take before it counts as failed"),
    "TZ": ("CST-8", PROCESSES, "the office's time zone, which decides what day it is (POSIX form, needs no "
                               "time zone database): China Standard Time, UTC+8"),
    "DATABASE_POOL_SIZE": ("20", PROCESSES, "most connections one process opens to its PostgreSQL database for "
                                            "transactions, and as many for reads, kept open once opened; every process of every service, together, must stay under "
                                            "the server's max_connections (docs/operations.md)"),
    "AMQP_HEARTBEAT_SECONDS": ("30", PROCESSES, "AMQP heartbeat: the broker closes a connection silent for two of "
                                                "them, and gives its unacknowledged messages to another consumer"),
    "QUEUE_TYPE": ("classic", SERVICES, "how the services declare their event and dead-letter queues: classic (one "
                                        "broker) or quorum (replicated on a RabbitMQ cluster)"),
    "LOG_FORMAT": ("json", PROCESSES, "json: one JSON object a line, with the request id that caused it; "
                                      "text: plain lines for a person at a terminal"),
    "METRICS_PORT": (None, PROCESSES, "a port on which the process serves Prometheus metrics at /metrics "
                                      "[none; the gateway also answers GET /metrics on its own port]"),
    "WUJI_VAR_DIR": ("var", PROCESSES, "folder for SQLite files and generated secrets"),
    "WUJI_FAILPOINTS": ("", PROCESSES, "fault injection for tests: comma-separated failpoint names"),
    # read by the tests only (wuji_infra.testing)
    "WUJI_TEST_AMQP_URI": (DEFAULT_AMQP_URI, (), "broker the tests make their vhost on"),
    "WUJI_CHROMIUM": (None, (), "the Chromium the console's browser tests and bench drive [chromium on PATH]"),
    "WUJI_TEST_POSTGRES_URL": ("postgresql://postgres@127.0.0.1:5432/postgres", (), "server the tests make their databases on"),
}


def env(name):
    """The value of a setting: the environment's, else its default."""
    default = SETTINGS[name][0]
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def var_dir():
    path = os.path.abspath(env("WUJI_VAR_DIR"))
    os.makedirs(path, exist_ok=True)
    return path


def database_url(process):
    """``<PROCESS>_DATABASE_URL``, or a SQLite file under var/."""
    name = f"{process.upper()}_DATABASE_URL"
    url = env(name) if name in SETTINGS else os.environ.get(name)  # undeclared: test probes
    if url:
        return url
    return "sqlite:///" + os.path.join(var_dir(), f"{process}.sqlite3")


def database_pool_size():
    """``DATABASE_POOL_SIZE``: the most connections a process opens to PostgreSQL."""
    text = env("DATABASE_POOL_SIZE")
    size = int(text) if text.isdigit() else 0
    if size < 1:
        raise ValueError(f"DATABASE_POOL_SIZE must be a whole number of at least 1, not {text!r}")
    return size


def use_office_time_zone():
    """Make ``TZ`` (China time by default) this process's local time, for it and what it starts.

    Every "today" in Wuji (a date not in the future, a task overdue, the month
    whose dues fall due) is the office's day, which on a server kept in UTC
    starts eight hours late. Timestamps stay in UTC (``wuji_infra.types``).
    """
    os.environ["TZ"] = env("TZ")
    time.tzset()


def amqp_uri(process=None):
    """``<PROCESS>_AMQP_URI``, else ``AMQP_URI``; with the password of ``AMQP_PASSWORD_FILE`` if set,
    put into each URI of a failover list (``amqp://u@mq1/;amqp://u@mq2/``: kombu tries them in turn)."""
    own = f"{process.upper()}_AMQP_URI" if process else None
    uri = (own in SETTINGS and env(own)) or env("AMQP_URI")
    password_file = env("AMQP_PASSWORD_FILE")
    if password_file:
        with open(password_file, encoding="utf-8") as file:
            password = urllib.parse.quote(file.read().strip(), safe="")
        uri = ";".join(_with_password(one.strip(), password) for one in uri.split(";") if one.strip())
    return uri


def _with_password(uri, password):
    parts = urllib.parse.urlsplit(uri)
    user = urllib.parse.quote(parts.username or "", safe="")
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))


def use_process_amqp_uri(process):
    """Make the process's own URI its ``AMQP_URI``, which nameko's config (nameko.yaml) reads."""
    os.environ["AMQP_URI"] = amqp_uri(process)


def share_context_secret():
    """For a tool that starts a service and calls it itself (a benchmark): one
    WUJI_CONTEXT_SECRET in this process's environment, made when unset, which the processes it
    starts inherit and ``testing.signed_context()`` signs with."""
    os.environ["WUJI_CONTEXT_SECRET"] = env("WUJI_CONTEXT_SECRET") or secrets.token_hex(32)


def settings_read_by(process):
    return sorted(name for name, (_, readers, _) in SETTINGS.items() if process in readers)


MIN_SECRET_CHARACTERS = 32  # an HMAC-SHA256 key of at least 256 bits


def secret(name, filename):
    """The setting ``name``, or a secret generated once and kept in ``filename`` (mode 0600;
    a relative name is under var/).

    A configured secret shorter than 32 characters stops the process at start
    (ValueError): a short key can be guessed offline from what it signed."""
    configured = env(name)
    if configured:
        if len(configured) < MIN_SECRET_CHARACTERS:
            raise ValueError(f"{name} must have at least {MIN_SECRET_CHARACTERS} characters "
                             f"(it has {len(configured)}); leave it unset to have one generated")
        return configured
    path = os.path.join(var_dir(), filename)
    if not os.path.exists(path):
        write_once(path, secrets.token_urlsafe(48))
    with open(path, encoding="ascii") as file:
        return file.read().strip()


def write_once(path, text):
    """Write ``path`` whole, unless another process got there first."""
    scratch = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(text + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(scratch, path)  # atomic, and fails when the file exists
        except FileExistsError:
            pass
    finally:
        os.unlink(scratch)
