"""The rules of accounts: usernames, passwords, the last admin, login throttling.

Plain functions, no SQL and no nameko: handlers.py applies them to the
gateway's database.
"""
import datetime as dt
import functools
import gzip
import math
import pathlib
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


# The 19,640 most common passwords, lowercased: Django's list (BSD licence),
# copied from django/contrib/auth/common-passwords.txt.gz of Django 5.2.
COMMON_PASSWORDS = pathlib.Path(__file__).with_name("common-passwords.txt.gz")
COMMON = "常见密码, 容易被猜中 (a commonly used password, easily guessed)"


@functools.cache
def _common_passwords():
    return frozenset(gzip.decompress(COMMON_PASSWORDS.read_bytes()).decode().split())


def new_password_problems(password, username, current=None):
    """password_problems, and a password on the list of common ones (checked as
    an account is made or a password set or changed, not at each login)."""
    problems = password_problems(password, username, current)
    if password.strip().casefold() in _common_passwords():
        problems.append(COMMON)
    return problems


MIN_ADMIN_PASSWORD_CHARACTERS = 12


def check_admin_password(password, username):
    """ADMIN_PASSWORD, when given: at least 12 characters and not a common password
    (ValueError at start otherwise)."""
    if not password:
        return password
    problems = new_password_problems(password, username)
    if len(password) < MIN_ADMIN_PASSWORD_CHARACTERS:
        problems.insert(0, f"at least {MIN_ADMIN_PASSWORD_CHARACTERS} characters (it has {len(password)})")
    if problems:
        raise ValueError(f"ADMIN_PASSWORD is refused: {'; '.join(problems)}. "
                         f"Leave it unset to have one generated and printed")
    return password


# -- a secretary's branches ----------------------------------------------------

NEEDS_BRANCHES = "支部书记账号须指定所管党支部 (a secretary's account names their branches)"
NO_BRANCHES = "只有支部书记账号按党支部限定 (only a secretary's account is limited to branches)"


def branches_problem(role, branch_ids):
    """Why ``branch_ids`` cannot go with ``role``, or None. Stored: the sorted distinct ids
    for a secretary, None for every other role (they see every branch)."""
    if role == "secretary" and not branch_ids:
        return NEEDS_BRANCHES
    if role != "secretary" and branch_ids:
        return NO_BRANCHES
    return None


def stored_branches(role, branch_ids):
    return sorted(set(branch_ids)) if role == "secretary" else None


# -- the last admin -----------------------------------------------------------

LAST_ADMIN = "不能停用或降级最后一位在用的管理员 (the last active admin cannot be deactivated or demoted)"


def takes_away_an_admin(account, changes):
    """True when ``changes`` ({"role"?, "active"?}) leave an active admin
    ``account`` no longer an active admin."""
    if account.role != "admin" or not account.active:
        return False
    return changes.get("role", "admin") != "admin" or changes.get("active", True) is False


# -- login throttling ---------------------------------------------------------
# Three counts (a username known or not, so the answer tells nothing about which
# exist): a username from one client address (MAX_FAILURES), one address over
# every username (MAX_ADDRESS_FAILURES: spraying), and a username over every
# address (MAX_USERNAME_FAILURES: a distributed guess). When one reaches its
# limit within WINDOW of its first failure, every attempt it covers is refused
# for LOCKOUT, even with the right password. A stranger elsewhere thus locks a
# user out only from the stranger's own address, until the generous per-username
# limit. A successful login clears its username's counts at that address and
# overall, and takes itself off the address's count.
#
# An attempt is counted *before* its password is checked, and the count is
# cleared when it succeeds: so attempts sent all at once cannot each pass the
# check before any is counted.

MAX_FAILURES = 5
MAX_ADDRESS_FAILURES = 20
MAX_USERNAME_FAILURES = 100
WINDOW = dt.timedelta(minutes=15)
LOCKOUT = dt.timedelta(minutes=15)


def count_attempt(entry, now, limit=MAX_FAILURES, field="username"):
    """Count one more login attempt on ``entry`` (its ``failures``,
    ``window_started_at``, ``locked_until``), as failed until it succeeds.

    Raises TooManyAttempts (429), counting nothing, while the entry is locked;
    ``field`` is what it names: ``username``, or ``address`` (the client's).
    """
    if entry.locked_until is not None and now < entry.locked_until:
        seconds = math.ceil((entry.locked_until - now).total_seconds())
        minutes = math.ceil(seconds / 60)
        where_cn, where_en = ("此地址", " from this address") if field == "address" else ("", "")
        raise TooManyAttempts(
            f"{where_cn}登录失败次数过多, 请{minutes}分钟后再试"
            f" (too many failed logins{where_en}, try again in {minutes} minutes)",
            {field: [f"已暂时锁定{minutes}分钟 (locked for {minutes} more minutes)"]},
            retry_after=seconds,
        )
    if entry.locked_until is not None or now >= entry.window_started_at + WINDOW:
        entry.failures, entry.window_started_at, entry.locked_until = 0, now, None
    entry.failures += 1
    if entry.failures >= limit:
        entry.locked_until = now + LOCKOUT
