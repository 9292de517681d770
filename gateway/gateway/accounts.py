"""The rules of accounts: usernames, passwords, the last admin, login throttling.

Plain functions, no SQL and no nameko: handlers.py applies them to the
gateway's database.
"""
import datetime as dt
import math
import re

from gateway.errors import TooManyAttempts

# -- usernames and passwords --------------------------------------------------

# ASCII only (pinyin such as zhang.wei, or a work number): easy to type on any
# keyboard, no look-alike characters. Case-sensitive, like the login.
USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,50}$")
USERNAME_RULE = "用户名应为3到50位字母、数字或 . _ - (3 to 50 letters, digits, '.', '_' or '-')"

PASSWORD_MIN = 10
PASSWORD_MAX = 200  # what the login accepts


def password_problems(password, username, current=None):
    """What is wrong with ``password`` as the new password of ``username``, as
    reasons ("中文 (English)"); empty when it is acceptable. ``current``: the
    password it replaces, when the owner changes their own."""
    problems = []
    if len(password) < PASSWORD_MIN:
        problems.append(f"密码至少{PASSWORD_MIN}位 (at least {PASSWORD_MIN} characters)")
    if len(password) > PASSWORD_MAX:
        problems.append(f"密码至多{PASSWORD_MAX}位 (at most {PASSWORD_MAX} characters)")
    if password.casefold() == username.casefold():
        problems.append("密码不能与用户名相同 (must not be the username)")
    if current is not None and password == current:
        problems.append("新密码不能与当前密码相同 (must differ from the current password)")
    return problems


# -- the last admin -----------------------------------------------------------

LAST_ADMIN = "不能停用或降级最后一位在用的管理员 (the last active admin cannot be deactivated or demoted)"


def takes_away_an_admin(account, changes):
    """True when ``changes`` ({"role"?, "active"?}) leave an active admin
    ``account`` no longer an active admin."""
    if account.role != "admin" or not account.active:
        return False
    return changes.get("role", "admin") != "admin" or changes.get("active", True) is False


# -- login throttling ---------------------------------------------------------
# Per username (known or not, so the answer tells nothing about which exist):
# after MAX_FAILURES failed logins within WINDOW of the first, every attempt is
# refused for LOCKOUT, even with the right password. A successful login clears
# the count.
#
# An attempt is counted *before* its password is checked, and the count is
# cleared when it succeeds: so attempts sent all at once cannot each pass the
# check before any is counted.

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
LOCKOUT = dt.timedelta(minutes=15)


def count_attempt(entry, now):
    """Count one more login attempt on ``entry`` (a username's ``failures``,
    ``window_started_at``, ``locked_until``), as failed until it succeeds.

    Raises TooManyAttempts (429), counting nothing, while the username is locked.
    """
    if entry.locked_until is not None and now < entry.locked_until:
        seconds = math.ceil((entry.locked_until - now).total_seconds())
        minutes = math.ceil(seconds / 60)
        raise TooManyAttempts(
            f"登录失败次数过多, 请{minutes}分钟后再试 (too many failed logins, try again in {minutes} minutes)",
            {"username": [f"已暂时锁定{minutes}分钟 (locked for {minutes} more minutes)"]},
            retry_after=seconds,
        )
    if entry.locked_until is not None or now >= entry.window_started_at + WINDOW:
        entry.failures, entry.window_started_at, entry.locked_until = 0, now, None
    entry.failures += 1
    if entry.failures >= MAX_FAILURES:
        entry.locked_until = now + LOCKOUT
