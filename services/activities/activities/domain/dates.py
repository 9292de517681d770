"""The days the office records (none is in the future), and how months and weeks are written."""


def future_date_problem(day, today):
    """Why ``day`` may not be recorded on ``today`` (it has not come yet), or None."""
    if day > today:
        return "日期不能晚于今天 (the date is in the future)"
    return None


def spans(numbers):
    """Month or week numbers as the office writes them: runs of three or more as ranges,
    "1–8、10、12–15" for 1..8, 10, 12..15 (ascending)."""
    runs, parts = [], []
    for number in sorted(numbers):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    for run in runs:
        parts.append(f"{run[0]}–{run[-1]}" if len(run) >= 3 else "、".join(str(n) for n in run))
    return "、".join(parts)
