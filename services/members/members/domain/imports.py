"""The roster import job: its progress, the rule on repeated rows, and when it may be cancelled."""


def import_progress(status, processed_rows, total_rows):
    """Percent done: 100 once the job is done, else the rows processed of the rows read (0 before)."""
    if status == "done":
        return 100
    return int(processed_rows * 100 / total_rows) if total_rows else 0


def repeated_row_problem(first_row):
    """Why a row is refused when an earlier row of the file (``first_row``) had its ID number, or None."""
    if first_row is None:
        return None
    return f"与第 {first_row} 行的身份证号重复 (repeats row {first_row})"


# an import job's status and its words (the job's answer, the console)
IMPORT_STATUS_LABELS = {"queued": "排队中", "running": "正在导入", "done": "导入完成", "failed": "导入失败",
                        "cancelled": "已取消"}
IMPORT_STATUSES = tuple(IMPORT_STATUS_LABELS)
_ENDED = {"done": "已完成", "failed": "已失败", "cancelled": "已取消"}


def cancel_problem(status):
    """Why a job in ``status`` cannot be cancelled (it has ended), or None (queued or running)."""
    if status in ("queued", "running"):
        return None
    return f"导入任务{_ENDED.get(status, status)}, 不能取消 (the job is {status}: nothing to cancel)"
