"""The roster: who a member is, what their record holds, where their membership is (组织关系)."""
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

GENDERS = ("male", "female")
RETIREMENT_KINDS = ("lixiu", "tuixiu")          # 离休, 退休
ORG_RELATIONS = ("unit", "community")           # 本单位, 转入社区
MEMBER_STATUSES = ("active", "deceased", "transferred_out")
GENDER_LABELS = {"male": "男", "female": "女"}
RETIREMENT_KIND_LABELS = {"lixiu": "离休", "tuixiu": "退休"}
ORG_RELATION_LABELS = {"unit": "本单位", "community": "转入社区"}
MEMBER_STATUS_LABELS = {"active": "在册", "deceased": "已逝世", "transferred_out": "已转出"}
# why a member's record changed, as its history says (handlers/roster.py, health.py, imports.py)
HISTORY_REASON_LABELS = {"created": "登记入册", "import": "Excel导入", "updated": "修改信息",
                         "health_event": "健康情况", "transfer": "组织关系转接", "withdrawal": "撤销误录"}

# what a new member's record holds when the input leaves it out
MEMBER_DEFAULTS = {
    "org_relation": "unit", "status": "active", "lives_alone": False, "children_away": False,
    "mobility_limited": False, "hardship": False, "willing_to_serve": False,
}

# GB 11643-1999: weights of the first 17 digits, and the check character for sum % 11
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def check_character(first_17_digits):
    """The 18th character of a citizen ID number (GB 11643-1999, ISO 7064 MOD 11-2)."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first_17_digits, _ID_WEIGHTS)) % 11]


def id_number_for(birth_date, sequence=1, area="110105"):
    """A well-formed ID number for someone born on ``birth_date``: the area code, the
    date, a three-digit sequence and its check character (for examples and test data)."""
    body = f"{area}{birth_date:%Y%m%d}{sequence:03d}"
    return body + check_character(body)


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


def average_age(birth_dates, day):
    """Mean age in whole years on ``day``, to one decimal (Decimal), or None for nobody."""
    ages = [age_on(born, day) for born in birth_dates]
    if not ages:
        return None
    return (Decimal(sum(ages)) / len(ages)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def with_member_defaults(values, today):
    """A new member's values with the defaults filled in (no specialties, no titles; counted
    from the day registered)."""
    return {**MEMBER_DEFAULTS, "specialties": [], "professional_titles": [], "counts_from": today, **values}


EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)


def birth_date_problem(birth_date, today):
    """Why a birth date cannot be a member's, or None: not in the future, not before 1900."""
    if birth_date > today:
        return "出生日期不能晚于今天 (birth_date is in the future)"
    if birth_date < EARLIEST_BIRTH_DATE:
        return "出生日期不能早于1900年 (birth_date is before 1900)"
    return None


def member_problems(member, today):
    """Rules across fields, checked on the member as it will be stored, as {field: [reasons]}."""
    problems = {}
    problem = birth_date_problem(member.birth_date, today)
    if problem:
        problems["birth_date"] = [problem]
    if member.org_relation == "community" and not member.community:
        problems["community"] = ["转入社区时必须填写社区名称 (required when org_relation is community)"]
    problem = id_number_problem(member.id_number, member.birth_date)
    if problem:
        problems["id_number"] = [problem]
    for field in ("retired_on", "joined_party_on", "counts_from"):
        value = getattr(member, field)
        if value is not None and value < member.birth_date:
            problems[field] = ["不能早于出生日期 (before birth_date)"]
    return problems


def counts_from_problem(values, today):
    """Why the ``counts_from`` given (if any) cannot be: a member cannot count from a day to come."""
    counts_from = values.get("counts_from")
    if counts_from is not None and counts_from > today:
        return {"counts_from": ["入册日期不能晚于今天 (counts_from is in the future)"]}
    return {}


# -- history: which member fields a change records ------------------------------

def changed_fields(before, after):
    """``[(field, old, new)]`` for each field whose value differs, in field order."""
    return [(field, before.get(field), after.get(field))
            for field in after if before.get(field) != after.get(field)]


# -- organizational relationship (组织关系) -------------------------------------

TRANSFER_TARGETS = ("unit", "community", "out")
TRANSFER_TARGET_LABELS = {"unit": "转回本单位", "community": "转入社区", "out": "转出本系统"}


def community_for(org_relation, community):
    """The community a member's record keeps: a member in the bureau's own branch is in none."""
    return None if org_relation == "unit" else community


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


def transfer_problem(before, after):
    """Why a member at ``before`` (org_relation, community, status) cannot be moved to ``after``,
    or None: only an active member is transferred, and only to somewhere else."""
    if before[2] != "active":
        return f"该党员状态为 {before[2]}, 不能转移组织关系 (only an active member can be transferred)"
    if after == before:
        return "组织关系未改变 (the member is already there)"
    return None


def patch_transfer_target(before, after):
    """The transfer target a correction of the record from ``before`` to ``after``
    (org_relation, community, status) amounts to, or None when it moves nobody.

    A status correction (e.g. back to active) is in the history, not a transfer.
    """
    if after[2] == "transferred_out" and before[2] != "transferred_out":
        return "out"
    if after[:2] != before[:2]:
        return after[0]
    return None
