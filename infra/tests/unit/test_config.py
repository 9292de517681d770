import pytest

from wuji_infra import config


def test_the_pool_size_is_split_into_connections_kept_open_and_connections_for_bursts(monkeypatch):
    monkeypatch.setenv("DATABASE_POOL_SIZE", "7")
    assert config.database_pool_size() == (3, 4)
    monkeypatch.delenv("DATABASE_POOL_SIZE")
    assert config.database_pool_size() == (10, 10)


@pytest.mark.parametrize("text", ["1", "0", "-4", "ten", "2.5"])
def test_a_pool_size_that_is_not_a_whole_number_of_at_least_two_stops_the_process(monkeypatch, text):
    monkeypatch.setenv("DATABASE_POOL_SIZE", text)
    with pytest.raises(ValueError, match="DATABASE_POOL_SIZE"):
        config.database_pool_size()
