"""The ways of starting Wuji stay in step: Procfile, config.SETTINGS,
docker-compose.yml, the postgres init script, the Makefile, the Dockerfile and .ci/run.

Plain file checks: no docker, broker or database needed.
"""
import os
import re
import shlex
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from wuji_infra import config

ROOT = Path(__file__).resolve().parent.parent

# Fault injection for the tests: never set in a deployment. AMQP_URI: the shared
# broker URI (guest) that each process's own <PROCESS>_AMQP_URI replaces.
NEVER_DEPLOYED = {"WUJI_FAILPOINTS", "AMQP_URI"}
# Where each process's package lives, and the shared infrastructure's.
PACKAGE_DIRS = {name: f"services/{name}" for name in config.SERVICES} | {"gateway": "gateway", "infra": "infra"}

PROCFILE_LINES = [tuple(part.strip() for part in line.split(":", 1))
                  for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()]
PROCFILE = dict(PROCFILE_LINES)
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]


def with_defaults(value):
    """A compose value as `docker compose` makes it in an empty environment:
    every ``${VAR:-default}`` (nested too) replaced by its default."""
    pattern = re.compile(r"\$\{\w+:?-([^${}]*)\}")
    value = str(value)
    while (resolved := pattern.sub(lambda m: m.group(1), value)) != value:
        value = resolved
    return value


def environment(process):
    return {name: with_defaults(value) for name, value in (SERVICES[process].get("environment") or {}).items()}


def database_urls():
    return {name: url for process in config.PROCESSES
            for name, url in environment(process).items() if name.endswith("_DATABASE_URL")}


# Procfile and config


def test_the_procfile_has_exactly_the_processes_of_config():
    assert len(PROCFILE_LINES) == len(PROCFILE), "a Procfile process appears twice"
    assert set(PROCFILE) == set(config.PROCESSES)


@pytest.mark.parametrize("process", config.PROCESSES)
def test_each_procfile_line_runs_its_process(process):
    assert PROCFILE[process] == f"python -m wuji_infra.run {process}"


def _reads_environment(line):
    code = line.split("#", 1)[0]
    if re.search(r"os\.environ\.copy\(\)|dict\(os\.environ\b", code):
        return False  # handing the whole environment to a child process reads no setting
    # os.environ / os.getenv, or importing them from os (a WSGI environ is no setting)
    return bool(re.search(r"\bos\.(environ|getenv|putenv)\b|^\s*from\s+os\s+import\b.*\b(environ|getenv)\b", code))


def test_only_config_reads_the_environment():
    allowed = {ROOT / "infra/wuji_infra/config.py"}
    offenders = []
    for top in ("infra", "services", "gateway", "bench", "bin"):
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if path in allowed or "tests" in relative.parts or ".venv" in relative.parts:
                continue
            if path.name == "conftest.py" or path.name.startswith("test_"):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if _reads_environment(line):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert not offenders, "read settings with wuji_infra.config.env() (declare them in SETTINGS):\n" + "\n".join(offenders)


def test_the_environment_check_would_see_a_read():
    assert _reads_environment('url = os.environ["AMQP_URI"]')
    assert _reads_environment('url = os.getenv("AMQP_URI", "x")')
    assert _reads_environment("from os import environ")
    assert not _reads_environment("child_env = os.environ.copy()")
    assert not _reads_environment("x = 1  # not os.environ")
    assert not _reads_environment("request = Request(environ)")


# docker-compose.yml


def test_compose_has_the_broker_the_database_and_one_service_per_process():
    assert "version" not in COMPOSE, "the Compose spec has no version key"
    always = {name for name, service in SERVICES.items() if not service.get("profiles")}
    assert always == {"broker-users", "rabbitmq", "postgres", *config.PROCESSES}
    assert SERVICES["rabbitmq"]["image"].startswith("rabbitmq:3.13")
    assert SERVICES["postgres"]["image"].startswith("postgres:15")
    for name in ("rabbitmq", "postgres"):
        assert SERVICES[name]["healthcheck"]["test"], f"{name} needs a healthcheck"


@pytest.mark.parametrize("process", config.PROCESSES)
def test_each_process_service_runs_the_procfile_command(process):
    service = SERVICES[process]
    command = service["command"]
    command = command if isinstance(command, str) else shlex.join(command)
    assert command == PROCFILE[process]
    assert service["build"] in (".", {"context": "."})
    assert service["restart"] == "unless-stopped"


@pytest.mark.parametrize("process", config.PROCESSES)
def test_each_process_service_is_probed_by_wuji_infra_health(process):
    test = SERVICES[process]["healthcheck"]["test"]
    assert test == ["CMD", "python", "-m", "wuji_infra.health", process]


@pytest.mark.parametrize("process", config.PROCESSES)
def test_each_process_waits_for_a_healthy_broker_and_database(process):
    depends_on = SERVICES[process]["depends_on"]
    for needed in ("rabbitmq", "postgres"):
        assert depends_on[needed]["condition"] == "service_healthy"


def test_the_gateway_waits_for_healthy_services():
    depends_on = SERVICES["gateway"]["depends_on"]
    for service in config.SERVICES:
        assert depends_on[service]["condition"] == "service_healthy"


@pytest.mark.parametrize("process", config.PROCESSES)
def test_each_process_gets_every_setting_it_reads(process):
    given = set(SERVICES[process].get("environment") or {})
    needed = set(config.settings_read_by(process)) - NEVER_DEPLOYED
    assert needed - given == set(), f"{process}: missing in docker-compose.yml"
    assert given & NEVER_DEPLOYED == set(), f"{process}: fault injection in a deployment"
    unknown = {name for name in given if name not in config.SETTINGS or process not in config.SETTINGS[name][1]}
    assert unknown == set(), f"{process}: variables it does not read (declare them in config.SETTINGS)"


def test_every_interpolation_has_a_default():
    """`docker compose up --build` works with nothing set: each ${VAR} has a default."""
    bare = re.findall(r"\$\{\w+\}|\$\w+", COMPOSE_TEXT.replace("$$", ""))
    assert bare == []


def test_the_knobs_default_to_the_defaults_of_config():
    for process in config.PROCESSES:
        for name, value in (SERVICES[process].get("environment") or {}).items():
            match = re.fullmatch(r"\$\{(\w+):-(.*)\}", str(value))
            if match and match.group(1) == name:
                assert match.group(2) == (config.SETTINGS[name][0] or ""), f"{process}: {name}"


@pytest.mark.parametrize("process", config.PROCESSES)
def test_each_process_talks_to_the_compose_broker_and_its_own_database(process):
    env = environment(process)
    broker = sa.engine.make_url(env[f"{process.upper()}_AMQP_URI"])
    assert (broker.host, broker.username, broker.password) == ("rabbitmq", f"wuji-{process}", None)
    database = sa.engine.make_url(env[f"{process.upper()}_DATABASE_URL"])
    assert (database.get_backend_name(), database.host, database.database) == ("postgresql", "postgres", process)
    postgres = {name: with_defaults(value) for name, value in SERVICES["postgres"]["environment"].items()}
    assert (database.username, database.password) == (postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"])


def test_the_postgres_init_script_creates_every_database_compose_uses():
    script = (ROOT / "docker/postgres-init.sql").read_text()
    created = set(re.findall(r'CREATE DATABASE\s+"?(\w+)"?', script, re.IGNORECASE))
    used = {sa.engine.make_url(url).database for url in database_urls().values()}
    assert used == set(config.PROCESSES)
    assert used <= created
    mounts = SERVICES["postgres"]["volumes"]
    assert any(m.startswith("./docker/postgres-init.sql:/docker-entrypoint-initdb.d/") for m in mounts)


def mounts(service):
    """{path in the container: volume or host path} of a compose service."""
    return {m.split(":")[1]: m.split(":")[0] for m in SERVICES[service].get("volumes", [])}


@pytest.mark.parametrize("process", config.PROCESSES)
def test_each_process_reads_its_own_broker_password_and_no_other(process):
    password_file = environment(process)["AMQP_PASSWORD_FILE"]
    folder = os.path.dirname(password_file)
    own = f"broker-{process}"
    assert mounts(process).get(folder) == own
    assert f"{own}:{folder}:ro" in SERVICES[process]["volumes"]
    assert {volume for volume in mounts(process).values() if volume.startswith("broker-")} == {own}
    # broker-users keeps the password there: --passwords DIR, DIR/<process>/password
    command = shlex.split(SERVICES["broker-users"]["command"])
    passwords = command[command.index("--passwords") + 1]
    assert mounts("broker-users")[f"{passwords}/{process}"] == own
    assert os.path.basename(password_file) == "password"


def test_the_broker_loads_the_definitions_broker_users_writes_before_it_starts():
    command = shlex.split(SERVICES["broker-users"]["command"])
    assert command[:4] == ["python", "-m", "wuji_infra.broker_users", "definitions"]
    output = command[command.index("--output") + 1]
    volume = mounts("broker-users")[os.path.dirname(output)]
    config_file = next(path for path, source in mounts("rabbitmq").items() if source == "./docker/rabbitmq.conf")
    assert config_file.startswith("/etc/rabbitmq/conf.d/")
    loaded = re.search(r"^load_definitions\s*=\s*(\S+)", (ROOT / "docker/rabbitmq.conf").read_text(), re.MULTILINE).group(1)
    assert mounts("rabbitmq")[os.path.dirname(loaded)] == volume
    assert os.path.basename(loaded) == os.path.basename(output)
    assert SERVICES["rabbitmq"]["depends_on"]["broker-users"]["condition"] == "service_completed_successfully"
    for name in {volume, *(f"broker-{process}" for process in config.PROCESSES)}:
        assert name in COMPOSE["volumes"]


def test_the_image_makes_the_broker_folders_its_users_own():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for folder in mounts("broker-users"):
        assert folder in dockerfile, f"{folder}: a new volume there would be root's, unwritable by the wuji user"


def test_the_metrics_profile_scrapes_every_process_on_its_metrics_port():
    assert SERVICES["prometheus"]["profiles"] == ["metrics"]
    scraped = yaml.safe_load((ROOT / "docker" / "prometheus.yml").read_text())["scrape_configs"][0]
    targets = set(scraped["static_configs"][0]["targets"])
    assert targets == {f"{process}:{SERVICES[process]['environment']['METRICS_PORT']}" for process in config.PROCESSES}


def test_the_gateway_is_published_on_its_port():
    port = environment("gateway")["GATEWAY_PORT"]
    assert port == "8000"
    assert f"{port}:{port}" in SERVICES["gateway"]["ports"]


def test_the_gateway_keeps_its_var_dir_in_a_named_volume():
    var_dir = environment("gateway")["WUJI_VAR_DIR"]
    volumes = {m.split(":")[1]: m.split(":")[0] for m in SERVICES["gateway"]["volumes"]}
    assert volumes.get(var_dir) in COMPOSE["volumes"]


def test_postgres_keeps_its_data_in_a_named_volume():
    volumes = {m.split(":")[1]: m.split(":")[0] for m in SERVICES["postgres"]["volumes"]}
    assert volumes.get("/var/lib/postgresql/data") in COMPOSE["volumes"]


# Dockerfile, Makefile, .ci/run


def test_the_image_installs_every_package():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert "pip install -r /src/requirements.txt" in dockerfile
    install = next(line for line in dockerfile.splitlines() if "pip install --no-deps" in line)
    for process in (*config.PROCESSES, "infra"):
        assert f"/src/{PACKAGE_DIRS[process]}" in install.split(), process


def test_the_image_builds_the_console_and_the_gateway_serves_it_from_there():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM node:20-slim AS console" in dockerfile and "RUN npm ci" in dockerfile
    assert "COPY --from=console /console/dist /app/console/dist" in dockerfile
    assert environment("gateway")["WUJI_CONSOLE_DIR"] == "/app/console/dist"
    copied = set(re.findall(r"^COPY console/(\S+)", dockerfile, re.MULTILINE))
    assert {"index.html", "scripts", "public", "src"} <= copied | {"index.html"}
    assert "console/node_modules" in (ROOT / ".dockerignore").read_text()


def test_the_makefile_has_the_commands_and_installs_every_package():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([\w-]+):", makefile, re.MULTILINE))
    assert {"install", "run", "test", "test-unit", "test-console", "console", "clean"} <= targets
    packages = re.search(r"^PACKAGES :=(.*)$", makefile, re.MULTILINE).group(1).split()
    assert sorted(packages) == sorted(PACKAGE_DIRS.values())
    assert "honcho start -f Procfile" in makefile


def test_ci_runs_make_test():
    ci = (ROOT / ".ci/run").read_text()
    assert ci.startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in ci
    assert re.search(r"^make test(\s|$)", ci, re.MULTILINE)


def test_compose_postgres_takes_the_connections_every_process_may_open():
    command = " ".join(with_defaults(part) for part in SERVICES["postgres"]["command"])
    max_connections = int(re.search(r"max_connections=(\d+)", command).group(1))
    # two pools a process: reads (autocommit) and transactions, each of DATABASE_POOL_SIZE
    pools = sum(2 * int(environment(process)["DATABASE_POOL_SIZE"]) for process in config.PROCESSES)
    assert pools <= max_connections - 3  # the superuser's reserved connections


CLUSTER = yaml.safe_load((ROOT / "docker-compose.cluster.yml").read_text())["services"]
NODES = ("rabbitmq", "rabbitmq-2", "rabbitmq-3")


def test_the_cluster_profile_has_two_more_nodes_with_the_broker_users_and_the_cluster_conf():
    for node in NODES[1:]:
        service = SERVICES[node]
        assert service["profiles"] == ["cluster"] and service["hostname"] == node
        assert service["image"] == SERVICES["rabbitmq"]["image"]
        mounts = service["volumes"]
        assert "broker-definitions:/etc/rabbitmq/wuji:ro" in mounts
        assert "./docker/rabbitmq-cluster.conf:/etc/rabbitmq/conf.d/91-cluster.conf:ro" in mounts
    conf = (ROOT / "docker/rabbitmq-cluster.conf").read_text()
    assert set(re.findall(r"classic_config\.nodes\.\d+ = rabbit@([\w-]+)", conf)) == set(NODES)


def test_the_cluster_nodes_share_one_erlang_cookie():
    cookies = {with_defaults(SERVICES[node]["environment"]["RABBITMQ_ERLANG_COOKIE"]) for node in NODES[1:]}
    cookies.add(with_defaults(CLUSTER["rabbitmq"]["environment"]["RABBITMQ_ERLANG_COOKIE"]))
    assert len(cookies) == 1
    assert "./docker/rabbitmq-cluster.conf:/etc/rabbitmq/conf.d/91-cluster.conf:ro" in CLUSTER["rabbitmq"]["volumes"]


@pytest.mark.parametrize("process", config.PROCESSES)
def test_on_the_cluster_each_process_fails_over_across_the_three_nodes_with_quorum_queues(process):
    assert set(CLUSTER) == {"rabbitmq", *config.PROCESSES}
    environment = CLUSTER[process]["environment"]
    uris = [sa.engine.make_url(uri) for uri in environment[f"{process.upper()}_AMQP_URI"].split(";")]
    assert [uri.host for uri in uris] == list(NODES)
    assert {uri.username for uri in uris} == {f"wuji-{process}"} and {uri.password for uri in uris} == {None}
    assert environment["QUEUE_TYPE"] == "quorum"
    assert set(CLUSTER[process]["depends_on"]) == set(NODES[1:])
