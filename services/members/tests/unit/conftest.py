"""The members unit tests' store: the service's tables in memory, and one branch."""
import pytest

from members.handlers import committees
from members.models import Base
from wuji_infra.testing import in_memory_store


@pytest.fixture
def store():
    return in_memory_store("members", Base.metadata)


@pytest.fixture
def branch(store):
    with store.transaction() as tx:
        return committees.create_branch(tx, {"name": "机关第一离退休党支部", "unit": "市住房和城乡建设局"})
