"""The rules of accounts alone: the password policy and who counts as the last admin."""
import types

import pytest

from gateway import accounts


@pytest.mark.parametrize("password, username, current, expected", [
    ("0123456789", "clerk", None, []),
    ("十个汉字也算十位密码啊", "clerk", None, []),
    ("012345678", "clerk", None, ["密码至少10位 (at least 10 characters)"]),
    ("x" * 200, "clerk", None, []),
    ("x" * 201, "clerk", None, ["密码至多200位 (at most 200 characters)"]),
    ("Zhang.Wei.1", "zhang.wei.1", None, ["密码不能与用户名相同 (must not be the username)"]),
    ("same-as-before", "clerk", "same-as-before",
     ["新密码不能与当前密码相同 (must differ from the current password)"]),
    ("abc", "abc", "abc", ["密码至少10位 (at least 10 characters)",
                           "密码不能与用户名相同 (must not be the username)",
                           "新密码不能与当前密码相同 (must differ from the current password)"]),
])
def test_password_problems(password, username, current, expected):
    assert accounts.password_problems(password, username, current) == expected


def account(role="admin", active=True):
    return types.SimpleNamespace(role=role, active=active)


@pytest.mark.parametrize("who, changes, expected", [
    (account(), {"active": False}, True),
    (account(), {"role": "staff"}, True),
    (account(), {"role": "staff", "active": True}, True),
    (account(), {"role": "admin", "active": True}, False),
    (account(), {"display_name": "主任"}, False),
    (account(), {}, False),
    (account(active=False), {"role": "staff"}, False),   # not an active admin now
    (account(role="staff"), {"active": False}, False),
    (account(role="staff"), {"role": "admin"}, False),
])
def test_takes_away_an_admin(who, changes, expected):
    assert accounts.takes_away_an_admin(who, changes) is expected
