"""Test helpers: a fresh RabbitMQ vhost and fresh PostgreSQL databases per test run.

Integration and e2e tests use the real broker and the real PostgreSQL
(``WUJI_TEST_AMQP_URI``, ``WUJI_TEST_POSTGRES_URL``) and never see another run's
messages or rows: each run gets its own vhost and its own databases, removed
at the end.
"""
import contextlib
import datetime as dt
import itertools
import os
import shlex
import signal
import socket
import struct
import subprocess
import time
import urllib.parse
import uuid

import requests
import sqlalchemy as sa

from wuji_infra.config import env


def run_id():
    return uuid.uuid4().hex[:10]


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def amqp_uri_with_vhost(base_uri, vhost):
    parts = urllib.parse.urlsplit(base_uri)
    return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(vhost, safe="")))


@contextlib.contextmanager
def fresh_vhost(prefix="wuji-test"):
    """Yield the AMQP URI of a new vhost (made with rabbitmqctl), deleted afterwards."""
    vhost = f"{prefix}-{run_id()}"
    base = env("WUJI_TEST_AMQP_URI")
    user = urllib.parse.urlsplit(base).username or "guest"
    _rabbitmqctl("add_vhost", vhost)
    try:
        _rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
        yield amqp_uri_with_vhost(base, vhost)
    finally:
        _rabbitmqctl("delete_vhost", vhost)


@contextlib.contextmanager
def process_users(amqp_uri, password_dir):
    """Each process's own broker user (wuji_infra.broker_users) on the vhost of ``amqp_uri``,
    named after this run (users are global to the broker); yield {process: its URI}."""
    from wuji_infra import broker_users
    from wuji_infra.config import PROCESSES

    parts = urllib.parse.urlsplit(amqp_uri)
    vhost = urllib.parse.unquote(parts.path[1:]) or "/"
    prefix = f"wuji-t{run_id()}"
    try:
        passwords = broker_users.apply(vhost, password_dir, prefix=prefix)
        yield {process: broker_users.uri(process, passwords[process], f"{parts.hostname}:{parts.port or 5672}",
                                         vhost, prefix=prefix)
               for process in PROCESSES}
    finally:
        for process in PROCESSES:
            with contextlib.suppress(subprocess.CalledProcessError):
                _rabbitmqctl("delete_user", broker_users.user(process, prefix))


@contextlib.contextmanager
def fresh_databases(names, prefix="wuji_test"):
    """Yield ``{name: url}`` of new PostgreSQL databases, dropped afterwards."""
    admin_url = env("WUJI_TEST_POSTGRES_URL")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    tag = run_id()
    created = {}
    try:
        with admin.connect() as connection:
            for name in names:
                database = f"{prefix}_{tag}_{name}"
                connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
                created[name] = sa.engine.make_url(admin_url).set(database=database).render_as_string(hide_password=False)
        yield created
    finally:
        with admin.connect() as connection:
            for url in created.values():
                database = sa.engine.make_url(url).database
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def in_memory_store(source, metadata):
    """For unit tests: the real Store on an in-memory SQLite database, no broker.

        store = in_memory_store("welfare", Base.metadata)
        with store.transaction() as tx:
            handlers.create_task(tx, ...)
        assert [e.event_type for e in emitted_events(store)] == ["visit_task_created"]
    """
    from sqlalchemy.orm import sessionmaker

    from wuji_infra import tables
    from wuji_infra.db import Store

    engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool,
                              connect_args={"check_same_thread": False})
    metadata.create_all(engine)
    tables.metadata.create_all(engine)
    return Store(sessionmaker(engine, expire_on_commit=False), source)


def emitted_events(store):
    """The events a store's transactions committed to its outbox, oldest first."""
    import json

    from wuji_infra import events
    from wuji_infra.tables import outbox

    with store.read() as session:
        rows = session.execute(sa.select(outbox.c.payload).order_by(outbox.c.id)).scalars().all()
    return [events.from_message(json.loads(payload)) for payload in rows]

# -- the whole system, for e2e tests and benchmarks ----------------------------

def procfile(root):
    with open(os.path.join(root, "Procfile")) as lines:
        return dict(line.strip().split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class System:
    """The Procfile processes of one test run; each can be stopped, killed, restarted."""

    def __init__(self, root, env, log_dir):
        self.root = root
        self.env = env
        self.log_dir = log_dir
        self.commands = procfile(root)
        self.processes = {}
        self.base_url = f"http://127.0.0.1:{env['GATEWAY_PORT']}"

    def start(self, name, replica=None, **extra_env):
        """Start the Procfile line ``name``; ``replica`` (2, 3 …) runs another process of the same line
        beside it, known as ``name#replica``."""
        key = f"{name}#{replica}" if replica else name
        with open(os.path.join(self.log_dir, f"{key}.log"), "ab") as log:
            self.processes[key] = subprocess.Popen(
                shlex.split(self.commands[name]), cwd=self.root, env=dict(self.env, **extra_env),
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def stop(self, name, sig=signal.SIGTERM):
        process = self.processes.pop(name)
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self, name):
        self.stop(name, signal.SIGKILL)

    def exited(self, name, seconds=30):
        """Wait for a process to end by itself; returns its exit code."""
        process = self.processes.pop(name)
        return process.wait(timeout=seconds)

    def wait_healthy(self, seconds=90):
        deadline = time.monotonic() + seconds
        last = None
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.log_tail(name)}")
            try:
                last = requests.get(self.base_url + "/health", timeout=5).json()
                if last["status"] == "ok":
                    return last
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"not healthy after {seconds}s: {last}\n" + "\n".join(
            self.log_tail(name) for name in self.commands))

    def log_tail(self, name, lines=40):
        path = os.path.join(self.log_dir, f"{name}.log")
        if not os.path.exists(path):
            return f"[{name}: no log]"
        with open(path, errors="replace") as log:
            return f"--- {name} ---\n" + "".join(log.readlines()[-lines:])

    def stop_all(self):
        for name in list(self.processes):
            self.stop(name)


class Api:
    """A front end's view: JSON over HTTP with a bearer token."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.session = requests.Session()

    def login(self, username, password):
        response = self.session.post(self.base_url + "/api/v1/auth/token",
                                     json={"username": username, "password": password}, timeout=10)
        assert response.status_code == 200, response.text
        self.session.headers["Authorization"] = "Bearer " + response.json()["access_token"]
        return self

    def request(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 15)
        return self.session.request(method, self.base_url + "/api/v1" + path, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.request("POST", path, json=body, **kwargs)

    def patch(self, path, body=None, **kwargs):
        return self.request("PATCH", path, json=body, **kwargs)

    def put(self, path, body=None, **kwargs):
        return self.request("PUT", path, json=body, **kwargs)


@contextlib.contextmanager
def running_system(root, amqp_uri, admin_password, prefix="wuji_e2e", extra_env=None):
    """Start every Procfile process on fresh databases and ``amqp_uri``; yield a System.
    ``extra_env``: more settings for every process (e.g. each one's ``<PROCESS>_AMQP_URI``)."""
    import os
    import sys
    import tempfile

    from wuji_infra import config

    with tempfile.TemporaryDirectory(prefix=prefix + "-") as var_dir, \
            fresh_databases(config.PROCESSES, prefix=prefix) as urls:
        env = dict(os.environ)
        env.update({
            "PATH": os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
            "AMQP_URI": amqp_uri,
            "GATEWAY_PORT": str(free_port()),
            "ADMIN_USERNAME": "admin",
            "ADMIN_PASSWORD": admin_password,
            "JWT_SECRET": "test-secret-" + uuid.uuid4().hex,
            "WUJI_VAR_DIR": var_dir,
            "WUJI_FAILPOINTS": "",
            "PYTHONUNBUFFERED": "1",
        })
        for process, url in urls.items():
            env[f"{process.upper()}_DATABASE_URL"] = url
        env.update(extra_env or {})
        system = System(root, env, var_dir)
        try:
            for name in system.commands:
                system.start(name)
            system.wait_healthy()
            yield system
        finally:
            system.stop_all()


def signed_context(role="staff", branch_ids=None, user="tester", seconds=3600, system=None, **extra):
    """An RPC context as the gateway signs it (wuji_infra.access), for tests and tools that
    call services directly: ``ServiceRpcClient("members", uri=..., context_data=signed_context())``.
    ``system``: a running_system, whose processes keep their key in their own folder.
    ``extra``: more context entries (a deadline, a request key)."""
    from wuji_infra import access

    caller = access.Access(user, role, branch_ids)
    if system is None:
        secret = access.context_secret()
    else:
        with open(os.path.join(system.env["WUJI_VAR_DIR"], access.SECRET_FILE), encoding="ascii") as file:
            secret = file.read().strip()
    return dict(access.context(secret, caller, time.time() + seconds), **extra)


def wait_until(find, what="the condition", seconds=20, interval=0.05):
    """Poll ``find()`` until it returns something truthy, and return that.

    A deadline against hanging, not a speed check: after ``seconds`` it fails
    the test, saying what it waited for.
    """
    deadline = time.monotonic() + seconds
    while True:
        found = find()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {seconds}s")
        time.sleep(interval)


# -- one service in the test process (integration tests) ----------------------

def start_service(container_factory, service_class, nameko_config, amqp_uri):
    """The service's container, started, with its dead-letter queue declared and empty."""
    from kombu import Connection

    from wuji_infra.handlers import dead_letter_queue

    with Connection(amqp_uri) as connection:
        queue = dead_letter_queue(service_class.name)(connection.default_channel)
        queue.declare()
        queue.purge()
    container = container_factory(service_class, nameko_config)
    container.start()
    return container


def publish_message(amqp_uri, source, message):
    """Publish an event envelope as ``source``'s outbox relay does: exchange
    ``<source>.events``, routing key the event type."""
    from nameko.standalone.events import event_dispatcher

    event_dispatcher(uri=amqp_uri)(source, message["event_type"], message)


def handled(event, times=1):
    """An ``entrypoint_waiter`` callback: workers for ``event`` finished without error ``times`` times."""
    successes = []

    def callback(worker_ctx, result, exc_info):
        if worker_ctx.args[0].event_id == event.event_id and exc_info is None:
            successes.append(result)
        return len(successes) >= times
    return callback


# -- a group robot on this machine (the notifications tests and bench) ------------------------

class LocalRobot:
    """An HTTP server that answers as 企业微信's and 钉钉's group robots do, keeping what it is sent:
    ``received`` holds ``{"path", "content_type", "body", "at"}`` (``at``: time.perf_counter()).
    ``script``: the next answers in turn, each "ok", an HTTP status (500), a robot errcode (45009)
    or "hang" (answers after 3 s); then "ok"."""

    def __init__(self):
        import http.server
        import json
        import threading

        robot = self
        self.received, self.script = [], []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                robot.received.append({"path": self.path, "content_type": self.headers["Content-Type"], "body": body,
                                       "at": time.perf_counter()})
                step = robot.script.pop(0) if robot.script else "ok"
                if step == "hang":
                    time.sleep(3)
                status, answer = 200, {"errcode": 0, "errmsg": "ok"}
                if isinstance(step, int):
                    is_http_status = 400 <= step < 600
                    status, answer = (step, {"error": step}) if is_http_status else (200, {"errcode": step,
                                                                                            "errmsg": "refused"})
                payload = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the sender gave up waiting
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path="/cgi-bin/webhook/send?key=test"):
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def naming(self, text):
        """The messages whose body contains ``text``."""
        import json
        return [message for message in self.received if text in json.dumps(message["body"], ensure_ascii=False)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# -- the fault tests (tests/faults) ------------------------------------------------------------

def answered(send, what, seconds=90):
    """``send()`` until it answers other than 503 or a broken connection: a front end's retry
    (the caller sends the same Idempotency-Key each time). Returns the response."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            response = send()
            if response.status_code != 503:
                return response
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: no answer but 503 for {seconds}s")
        time.sleep(0.3)


class Ward:
    """Members of one branch, hospitalized as a front end does it, and the effects counted."""

    sequence = itertools.count(1)

    def __init__(self, api, branch_id):
        self.api = api
        self.branch_id = branch_id

    def members(self, count):
        """``count`` new members aged 86 in hardship (each hospitalization's check is eligible)."""
        from members.domain.roster import id_number_for

        born = dt.date(dt.date.today().year - 86, 3, 1)
        ids = []
        for _ in range(count):
            data = {"name": "测试党员", "gender": "male", "id_number": id_number_for(born, next(self.sequence)),
                    "birth_date": born.isoformat(), "branch_id": self.branch_id, "retirement_kind": "tuixiu",
                    "hardship": True}
            key = str(uuid.uuid4())
            response = answered(lambda: self.api.post("/members", data, headers={"Idempotency-Key": key}),
                                "a new member")
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
        return ids

    def hospitalize(self, member_id, key=None, timeout=15):
        return self.api.post(f"/members/{member_id}/health-events",
                             {"kind": "hospitalized", "date": dt.date.today().isoformat(), "hospital": "市第一人民医院"},
                             headers={"Idempotency-Key": key or str(uuid.uuid4())}, timeout=timeout)

    def admit(self, member_ids, pause=0.0):
        """Hospitalize each member once, retrying each request with its key until it is answered."""
        for member_id in member_ids:
            key = str(uuid.uuid4())
            response = answered(lambda: self.hospitalize(member_id, key), f"member {member_id}'s hospitalization")
            assert response.status_code == 201, response.text
            time.sleep(pause)

    def admit_in_background(self, member_ids, pause=0.1):
        """``admit`` in a green thread (the test process runs on eventlet): ``.wait()`` for it."""
        import eventlet

        return eventlet.spawn(self.admit, member_ids, pause)

    def effects(self, member_id):
        """(visit tasks for a hospitalization, subsidy checks) of one member, as the API lists them;
        None while a service is not back (503, or the connection broken)."""
        try:
            tasks = self.api.get("/visit-tasks", params={"member_id": member_id, "page_size": 100})
            checks = self.api.get("/subsidy-checks", params={"member_id": member_id, "page_size": 100})
        except requests.RequestException:
            return None
        if tasks.status_code != 200 or checks.status_code != 200:
            return None
        return (sum(1 for task in tasks.json()["items"] if task["cause"] == "hospitalized"),
                checks.json()["total"])

    def count(self, member_ids, seconds=90, settle=2.0):
        """``{"sent", "expected", "came_out", "lost", "doubled"}`` (sent: hospitalizations; the others
        count effects) once every member has both effects (or the time is up), after ``settle``
        seconds more in which a late duplicate would show."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [self.effects(member_id) for member_id in member_ids]
            if all(counts is not None and min(counts) >= 1 for counts in found):
                break
            time.sleep(0.5)
        time.sleep(settle)
        found = [wait_until(lambda: self.effects(member_id), f"member {member_id}'s effects", seconds=90, interval=0.3)
                 for member_id in member_ids]
        per_effect = [n for counts in found for n in counts]
        return {"sent": len(member_ids), "expected": len(per_effect), "came_out": sum(per_effect),
                "lost": sum(1 for n in per_effect if n == 0), "doubled": sum(n - 1 for n in per_effect if n > 1)}


# -- a TCP proxy in front of the broker ----------------------------------------------------------

class BrokerProxy:
    """Forwards connections to the broker, and can make them slow (``latency``), hold every byte
    (``holding``: the connections stay open, nothing passes) or reset them all (``reset()``).

    It runs on the interpreter's own threads and sockets, not eventlet's (the test process is
    monkey-patched): its blocking reads must not share the hub with the processes it starts."""

    def __init__(self, host, port):
        from eventlet import patcher

        self._socket = patcher.original("socket")
        self._threading = patcher.original("threading")
        self._sleep = patcher.original("time").sleep
        self.upstream = (host, port)
        self.listener = self._socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.latency = 0.0
        self.holding = False
        self.accepted = 0
        self.connections = []
        self._lock = self._threading.Lock()
        self._thread(self._serve)

    def _thread(self, target, *args):
        self._threading.Thread(target=target, args=args, daemon=True).start()

    def _serve(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            try:
                broker = self._socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self.accepted += 1
                self.connections.append((client, broker))
            self._thread(self._pump, client, broker)
            self._thread(self._pump, broker, client)

    def _pump(self, source, target):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                while self.holding:
                    self._sleep(0.05)
                if self.latency:
                    self._sleep(self.latency)
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(self._socket.SHUT_RDWR)
                except OSError:
                    pass

    def reset(self):
        """Every connection through the proxy ends with a TCP reset, as a failing network does."""
        with self._lock:
            connections, self.connections = self.connections, []
        for pair in connections:
            for end in pair:
                try:
                    end.setsockopt(self._socket.SOL_SOCKET, self._socket.SO_LINGER, struct.pack("ii", 1, 0))
                    end.close()
                except OSError:
                    pass

    def close(self):
        self.listener.close()
        self.reset()
