"""What the scorecard asks of care (基本保障), as plain rules: a health-driven visit done by its
due day, every member in a festival batch visited, every member visited twice a year."""
from welfare.domain.festivals import FESTIVALS

# the visits whose timeliness the checklists count at 100% (住院, 重病, 逝世)
TIMED_CAUSES = ("hospitalized", "serious_illness", "deceased")
CAUSE_LABELS = {"hospitalized": "住院探望", "discharged": "出院回访", "serious_illness": "重病探望",
                "deceased": "吊唁慰问", "birthday": "生日慰问", "festival": "节日慰问"}
VISITS_A_YEAR = 2


def lateness(name, cause, due_date, visited_on, day, health_shown=True):
    """What is missing of one timed visit as of ``day``, or None when it was done by its due day.
    Who was in hospital or fell ill is a health fact: without ``health_shown`` the text names
    neither the member nor the cause."""
    what = (f"{name} {CAUSE_LABELS[cause]}" if health_shown else "一次走访") + f"（应于{due_date.isoformat()}前）"
    if visited_on is None or visited_on > day:
        return f"{what}逾期未完成"
    if visited_on > due_date:
        return f"{what}晚 {(visited_on - due_date).days} 天完成"
    return None


def festival_of(cause_key):
    """The festival of a festival task's cause key ("festival:spring_festival:2026:7")."""
    return cause_key.split(":")[1]


def festival_gap(festival, year, names):
    """The members of a festival batch not visited, as one text, or None."""
    if not names:
        return None
    return f"{year}年{FESTIVALS[festival][0]}走访未覆盖：{'、'.join(names)}"


def twice_a_year_gap(name, visits):
    return f"{name} 本年走访 {visits} 次（应至少 {VISITS_A_YEAR} 次）"


def twice_a_year_gaps(short, day, year_end):
    """What is missing of "every member visited twice a year" as of ``day``, ``short`` being the
    (name, visits) of the members with fewer than two visits so far. The requirement is judged in
    full at the year's end (one text a member); before it, one text of the progress: how many
    members have not yet had two visits, and who (the item is not met yet)."""
    if not short:
        return []
    if year_end:
        return [twice_a_year_gap(name, visits) for name, visits in short]
    who = "、".join(f"{name} {visits} 次" for name, visits in short)
    return [f"截至{day.isoformat()}，尚有 {len(short)} 名党员本年走访不足 {VISITS_A_YEAR} 次"
            f"（全年要求至年底评定）：{who}"]
