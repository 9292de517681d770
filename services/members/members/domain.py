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
