import pytest

from wuji_infra import config


def test_the_pool_size_is_read_and_defaults_to_twenty(monkeypatch):
    monkeypatch.setenv("DATABASE_POOL_SIZE", "7")
    assert config.database_pool_size() == 7
    monkeypatch.delenv("DATABASE_POOL_SIZE")
    assert config.database_pool_size() == 20


@pytest.mark.parametrize("text", ["0", "-4", "ten", "2.5"])
def test_a_pool_size_that_is_not_a_whole_number_of_at_least_one_stops_the_process(monkeypatch, text):
    monkeypatch.setenv("DATABASE_POOL_SIZE", text)
    with pytest.raises(ValueError, match="DATABASE_POOL_SIZE"):
        config.database_pool_size()
