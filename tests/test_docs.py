"""The docs stand on their own and say what the code does.

- docs/events.md lists every event type with its owner and its consumers, as the
  code declares them (EVENT_TYPES and the services' @event_handler methods);
- every relative link in README.md and docs/ leads to a file of this repository.
"""
import importlib
import inspect
import pathlib
import re

import pytest

from wuji_infra.events import EVENT_TYPES
from wuji_infra.handlers import ReliableEventHandler

ROOT = pathlib.Path(__file__).resolve().parent.parent
from wuji_infra.config import SERVICES as CONSUMER_ORDER

SERVICES = {name: f"{name}.service" for name in CONSUMER_ORDER}


def declared_consumers():
    """{event type: {consuming service}} from the event handler entrypoints of each service class."""
    consumers = {}
    for service, module_name in SERVICES.items():
        module = importlib.import_module(module_name)
        classes = [c for _, c in inspect.getmembers(module, inspect.isclass)
                   if getattr(c, "name", None) == service]
        assert classes, f"{module_name} has no service class named {service!r}"
        for _, method in inspect.getmembers(classes[0], inspect.isfunction):
            for entrypoint in getattr(method, "nameko_entrypoints", ()):
                if isinstance(entrypoint, ReliableEventHandler):
                    assert EVENT_TYPES[entrypoint.event_type][0] == entrypoint.source_service
                    consumers.setdefault(entrypoint.event_type, set()).add(service)
    return consumers


def documented_events():
    """{event type: (owner, {consumer})} from the table in docs/events.md."""
    rows = {}
    for line in (ROOT / "docs" / "events.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"`[a-z_]+`", cells[0]):
            consumers = set() if cells[2] in ("–", "-", "") else {c.strip() for c in cells[2].split(",")}
            rows[cells[0].strip("`")] = (cells[1], consumers)
    return rows


def test_every_event_type_is_documented_with_its_owner_and_consumers():
    documented = documented_events()
    consumers = declared_consumers()
    assert sorted(documented) == sorted(EVENT_TYPES)
    for event_type, (owner, _schema) in EVENT_TYPES.items():
        assert documented[event_type] == (owner, consumers.get(event_type, set())), event_type


def markdown_files():
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted(ROOT.glob("*/README.md"))]


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_links_stay_inside_the_repository(path):
    text = path.read_text(encoding="utf-8")
    assert "../shared" not in text, f"{path.name} points outside the repository"
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # http:, mailto: ... (none should be needed, but they are not files)
        resolved = (path.parent / target).resolve()
        assert resolved.is_relative_to(ROOT), f"{path.name}: {target} leads outside the repository"
        assert resolved.exists(), f"{path.name}: {target} does not exist"
