"""Unit tests hash with argon2id at its lowest cost: the rules are the same, the
production cost (tens of ms a hash) is only time here. Integration tests keep it."""
import pytest
from argon2 import PasswordHasher

from gateway import auth


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    monkeypatch.setattr(auth, "_dummy_hash", None)
