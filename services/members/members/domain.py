"""Roster rules: who a member is, what a health event does. No nameko, no SQL."""
import datetime as dt

GENDERS = ("male", "female")
RETIREMENT_KINDS = ("lixiu", "tuixiu")          # 离休, 退休
ORG_RELATIONS = ("unit", "community")           # 本单位, 转入社区
MEMBER_STATUSES = ("active", "deceased", "transferred_out")
HEALTH_EVENT_KINDS = ("hospitalized", "discharged", "serious_illness", "deceased")

# health event kind -> the event members dispatches for it
HEALTH_EVENT_TYPES = {
    "hospitalized": "member_hospitalized",
    "discharged": "member_discharged",
    "serious_illness": "member_seriously_ill",
    "deceased": "member_deceased",
}

# GB 11643-1999: weights of the first 17 digits, and the check character for sum % 11
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def check_character(first_17_digits):
    """The 18th character of a citizen ID number (GB 11643-1999, ISO 7064 MOD 11-2)."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first_17_digits, _ID_WEIGHTS)) % 11]


def id_number_problem(id_number, birth_date=None):
    """Why an 18-character citizen ID number is invalid, or None when it is valid.

    Checks the length, the digits, the check character (GB 11643-1999), the
    birth date it encodes, and that this date is ``birth_date`` when given.
    """
    if not isinstance(id_number, str) or len(id_number) != 18:
        return "身份证号应为18位 (must be 18 characters)"
    body, check = id_number[:17], id_number[17].upper()
    if not body.isdigit() or not (check.isdigit() or check == "X"):
        return "身份证号前17位应为数字, 末位为数字或X (17 digits then a digit or X)"
    if check != check_character(body):
        return "身份证号校验位错误 (wrong check digit)"
    try:
        encoded = dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        return "身份证号中的出生日期无效 (the birth date in it is not a date)"
    if birth_date is not None and encoded != birth_date:
        return "身份证号中的出生日期与出生日期不一致 (does not match birth_date)"
    return None


def normalize_id_number(id_number):
    return id_number.strip().upper()


def age_on(birth_date, day):
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def status_after_health_event(current_status, kind):
    """A member's status after a health event: death ends active membership."""
    return "deceased" if kind == "deceased" else current_status


# -- history: which member fields a change records ------------------------------

def changed_fields(before, after):
    """``[(field, old, new)]`` for each field whose value differs, in field order."""
    return [(field, before.get(field), after.get(field))
            for field in after if before.get(field) != after.get(field)]


# -- organizational relationship (组织关系) -------------------------------------

TRANSFER_TARGETS = ("unit", "community", "out")  # 本单位, 转入社区, 转出本系统


def after_transfer(org_relation, community, status, target, to_community=None):
    """(org_relation, community, status) after a transfer to ``target``.

    Moving between the bureau's branch and a community keeps the member on the
    roster (dual management); moving out of the system ends active membership.
    """
    if target == "out":
        return org_relation, community, "transferred_out"
    if target == "unit":
        return "unit", None, status
    return "community", to_community, status


# -- committees and terms (支部班子, 换届) ---------------------------------------

COMMITTEE_ROLES = ("secretary", "deputy_secretary", "organization", "propaganda", "discipline", "member")
SINGLE_SEAT_ROLES = ("secretary", "organization", "propaganda", "discipline")
DEFAULT_TERM_YEARS = 3


def add_months(day, months):
    """The same day ``months`` later (or earlier), on the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))


def default_term_end(starts_on):
    """A term lasts three years: it ends the day before the third anniversary."""
    return add_months(starts_on, 12 * DEFAULT_TERM_YEARS) - dt.timedelta(days=1)


def committee_problems(seats):
    """Why a committee's seats ``[{"member_id", "role"}]`` are wrong, as {field: [reasons]}."""
    problems = {}
    seen = set()
    for role in SINGLE_SEAT_ROLES:
        if sum(1 for seat in seats if seat["role"] == role) > 1:
            problems.setdefault("committee", []).append(f"{role} 只能有一人 (only one {role})")
    for seat in seats:
        if seat["member_id"] in seen:
            problems.setdefault("committee", []).append(
                f"党员 {seat['member_id']} 重复任职 (member {seat['member_id']} holds two seats)")
        seen.add(seat["member_id"])
    return problems


def term_state(ends_on, today):
    """``current``, ``expiring`` (6 months or less left) or ``overdue`` (换届逾期)."""
    if today > ends_on:
        return "overdue"
    if today >= add_months(ends_on, -6):
        return "expiring"
    return "current"


def term_reminder_due(ends_on, today):
    """The reminder a term's end calls for today: ``(event type, reminder key)`` or None.

    ``branch_term_expiring`` "6_months" from six months before the end and
    "3_months" from three months before it; then ``branch_term_overdue`` once a
    month, keyed by the month ("overdue:2027-03"). The caller sends each key
    once per term. A stage already passed is not sent late: a term entered two
    months before its end gets the 3-month reminder only.
    """
    if today > ends_on:
        return "branch_term_overdue", f"overdue:{today:%Y-%m}"
    if today >= add_months(ends_on, -3):
        return "branch_term_expiring", "3_months"
    if today >= add_months(ends_on, -6):
        return "branch_term_expiring", "6_months"
    return None


# -- honors (先进典型) -----------------------------------------------------------

HONOR_LEVELS = ("provincial", "municipal", "bureau")   # 省级, 市级, 局级


def average_age(birth_dates, day):
    """Mean age in whole years on ``day``, to one decimal (Decimal), or None for nobody."""
    from decimal import ROUND_HALF_UP, Decimal
    ages = [age_on(born, day) for born in birth_dates]
    if not ages:
        return None
    return (Decimal(sum(ages)) / len(ages)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
