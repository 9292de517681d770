"""Excel in and out: the import job (every row validated, good rows imported,
bad rows listed by row and column), the template, the export.

An import is a job: ``start_import`` stores the file and answers at once; the
service's timer runs ``run_next_import``, which commits every chunk of rows
with the job's progress, so a reader sees how far it has got and a crash
resumes after the last committed chunk. Reading the workbook is seconds of CPU
in openpyxl that never yields: it runs in a thread (eventlet.tpool) so that the
service answers other calls meanwhile. Staff may cancel a job: it stops before
its next chunk, and the chunks already committed stay.
"""
import base64
import datetime as dt
import time

import sqlalchemy as sa
from eventlet import tpool

from members import excel
from members.domain.imports import cancel_problem, import_progress, repeated_row_problem
from members.domain.roster import community_for, counts_from_problem, member_problems, with_member_defaults
from members.handlers.roster import (
    SENSITIVE_FIELDS, emit_transferred, history_snapshot, index_specialties, masked_member, member_facts,
    member_query, record_changes, record_creation, where,
)
from members.models import Branch, ImportJob, ImportRejection, Member, MemberSpecialty
from members.schemas import ImportErrorOut, ImportJobOut, MemberFilters, MemberIn, MemberOut, NoFilters
from wuji_infra.access import SYSTEM, masked
from wuji_infra.db import get_or_404
from wuji_infra.errors import Conflict, InvalidInput
from wuji_infra.validation import load, paging

MAX_FILE_BYTES = 20 * 1024 * 1024
CHUNK_ROWS = 500
STALE_SECONDS = 120  # a running job not advanced for this long was left by a stopped process
IMPORT_JOB = ("导入任务", "import job")
_MEMBER_IN = MemberIn()  # one instance for every row: making a schema costs more than a load
_JOB_OUT = ImportJobOut()


def job_out(job):
    total = job.total_rows
    return _JOB_OUT.dump({
        "id": job.id, "filename": job.filename, "status": job.status, "total_rows": total,
        "processed_rows": job.processed_rows,
        "progress": import_progress(job.status, job.processed_rows, total),
        "created": job.created_count, "updated": job.updated_count, "rejected": job.rejected_count,
        "error": job.error, "started_by": job.started_by,
        "created_at": job.created_at, "finished_at": job.finished_at,
    })


def start_import(tx, content_base64, filename=None, actor=None):
    """Queue an import of an .xlsx file (base64); the headings are checked now."""
    try:
        content = base64.b64decode(content_base64 or "", validate=True)
    except (ValueError, TypeError):
        raise InvalidInput("文件内容有误 (the file is not base64)", {"file": ["not base64"]})
    if not content:
        raise InvalidInput("请上传 .xlsx 文件 (send an .xlsx file)", {"file": ["必填 (required)"]})
    if len(content) > MAX_FILE_BYTES:
        raise InvalidInput("文件超过 20 MiB (the file is over 20 MiB)", {"file": ["too large"]})
    filename = (filename or "import.xlsx")[:200]
    try:
        headings = tpool.execute(excel.read_headings, content)
    except excel.Refused as exc:
        raise InvalidInput(f"{filename}: {exc}", {"file": [str(exc)]})
    job = ImportJob(filename=filename, content=content, headings=headings,
                    started_by=actor, status="queued")
    tx.session.add(job)
    tx.session.flush()
    return job_out(job)


def get_import(session, job_id):
    return job_out(get_or_404(session, ImportJob, job_id, IMPORT_JOB))


def cancel_import(tx, job_id, now, actor=None):
    """Stop a queued or running job before its next chunk; the rows already committed stay."""
    job = get_or_404(tx.session, ImportJob, job_id, IMPORT_JOB, lock=True)
    problem = cancel_problem(job.status)
    if problem:
        raise Conflict(problem, {"status": [job.status]})
    job.status, job.finished_at, job.content = "cancelled", now, b""
    job.error = f"已由 {actor or '?'} 取消, 已提交的行保留 (cancelled by {actor or '?'}; rows already committed stay)"
    tx.session.flush()
    return job_out(job)


def _running(tx, job_id):
    """The job, locked, unless it was cancelled meanwhile (None)."""
    job = tx.session.get(ImportJob, job_id, with_for_update=True)
    return None if job.status == "cancelled" else job


def _claim_next(store, now):
    """The id of the next job to run, marked running; or None."""
    stale = now - dt.timedelta(seconds=STALE_SECONDS)
    with store.transaction() as tx:
        job = tx.session.scalar(
            sa.select(ImportJob)
            .where(sa.or_(ImportJob.status == "queued",
                          sa.and_(ImportJob.status == "running", ImportJob.updated_at < stale)))
            .order_by(ImportJob.id).limit(1).with_for_update(skip_locked=True))
        if job is None:
            return None
        job.status = "running"
        job.updated_at = now
        return job.id


def run_next_import(store, chunk_rows=CHUNK_ROWS, *, clock):
    """Run the next queued import to its end; the id of the job, or None when none waits.

    A job runs for minutes: it takes the service's ``clock`` (not one moment)
    to date its end as it happens.
    """
    job_id = _claim_next(store, clock.now())
    if job_id is not None:
        run_import(store, job_id, chunk_rows, clock=clock)
    return job_id


def run_import(store, job_id, chunk_rows=CHUNK_ROWS, *, clock):
    today = clock.today()  # the day a transfer by import is dated: the day the job started
    with store.read() as session:
        job = get_or_404(session, ImportJob, job_id, IMPORT_JOB)
        content, done_rows = job.content, job.processed_rows
        branches = dict(session.execute(sa.select(Branch.name, Branch.id).where(Branch.withdrawn_at.is_(None))).all())
        rejected_rows = set(session.scalars(
            sa.select(ImportRejection.row_number).where(ImportRejection.job_id == job_id)))
    try:
        headings, rows = tpool.execute(excel.read_rows, content)
    except excel.Refused as exc:
        with store.transaction() as tx:
            job = _running(tx, job_id)
            if job is not None:
                job.status, job.error, job.finished_at = "failed", f"{job.filename}: {exc}", clock.now()
                announce_finished(tx, job)
        return
    with store.transaction() as tx:
        job = _running(tx, job_id)
        if job is None:
            return
        job.total_rows = len(rows)

    first_row_of = {}  # ID number -> the row that had it first: a later row with it is refused
    for start in range(0, len(rows), chunk_rows):
        chunk = rows[start:start + chunk_rows]
        if start + len(chunk) <= done_rows:   # committed before a restart: only note the accepted ID numbers
            for number, values in chunk:
                data, _ = excel.row_input(headings, values)
                if number not in rejected_rows and data.get("id_number"):
                    first_row_of.setdefault(data["id_number"].upper(), number)
            continue
        with store.transaction() as tx:
            job = _running(tx, job_id)  # locked first: a cancel waits for this chunk, or this sees it
            if job is None:
                return
            counts = _import_chunk(tx, job_id, headings, chunk, branches, first_row_of, today)
            job.processed_rows = start + len(chunk)
            job.created_count += counts["created"]
            job.updated_count += counts["updated"]
            job.rejected_count += counts["rejected"]
        time.sleep(0)  # let other greenlets run between chunks
    with store.transaction() as tx:
        job = _running(tx, job_id)
        if job is None:
            return
        job.status, job.finished_at = "done", clock.now()
        job.content = b""  # needed only to resume; the rejected rows are kept on their own
        announce_finished(tx, job)


def announce_finished(tx, job):
    """member_import_finished: done or failed (a cancelled job's canceller knows)."""
    tx.emit("member_import_finished", {
        "job_id": job.id, "status": job.status, "filename": job.filename, "started_by": job.started_by,
        "created": job.created_count, "updated": job.updated_count, "rejected": job.rejected_count})


def _import_chunk(tx, job_id, headings, chunk, branches, first_row_of, today):
    session = tx.session
    started_by = session.get(ImportJob, job_id).started_by
    counts = {"created": 0, "updated": 0, "rejected": 0}
    parsed = [(number, values, *excel.row_input(headings, values)) for number, values in chunk]
    wanted = {data["id_number"].upper() for _, _, data, _ in parsed if data.get("id_number")}
    existing = {m.id_number: m for m in session.scalars(  # a member withdrawn as entered in error is entered anew
        sa.select(Member).where(Member.id_number.in_(wanted), Member.withdrawn_at.is_(None)))}
    new_members, updates = [], []
    for index, (number, values, data, problems) in enumerate(parsed):
        if index % excel.YIELD_EVERY == 0:
            time.sleep(0)
        if "branch" in data:
            branch_name = data.pop("branch")
            if branch_name in branches:
                data["branch_id"] = branches[branch_name]
            else:
                problems.setdefault("党支部", []).append(f"没有名为 {branch_name} 的党支部 (no such branch)")
        values_in = {}
        try:
            values_in = load(_MEMBER_IN, data)
        except InvalidInput as error:  # every cell's reason, not only the first unreadable one's
            for field, reasons in error.fields.items():
                if excel.heading_of(field) not in problems:
                    problems.setdefault(excel.heading_of(field), []).extend(reasons)
        id_number = (values_in.get("id_number") or data.get("id_number") or "").upper()
        repeated = repeated_row_problem(first_row_of.get(id_number))
        if not problems and repeated:
            problems["身份证号"] = [repeated]
        if not problems:
            first_row_of[id_number] = number
            member = existing.get(id_number)
            if member is None:
                member = Member(**with_member_defaults(values_in, today))
                problems = _cross_field_problems(member, today, values_in)
                if not problems:
                    new_members.append(member)
                else:
                    first_row_of.pop(id_number)
            else:
                snapshot, before = history_snapshot(member), where(member)
                for field, value in values_in.items():
                    setattr(member, field, value)
                member.community = community_for(member.org_relation, member.community)
                problems = _cross_field_problems(member, today, values_in)
                if problems:
                    session.expire(member)  # nothing of a refused row is kept
                    first_row_of.pop(id_number)
                else:
                    updates.append((member, snapshot, before, "specialties" in values_in))
        if problems:
            counts["rejected"] += 1
            session.add(ImportRejection(job_id=job_id, row_number=number, problems=problems,
                                        cells=[excel.cell_json(v) for v in values]))
    session.add_all(new_members)
    session.flush()  # one batched insert gives the new members their ids
    # no autoflush: the rows below go in as batches at the end, not one by one before each emit
    with session.no_autoflush:
        _write_effects(tx, new_members, updates, started_by, today)
    session.flush()
    counts["created"] = len(new_members)
    counts["updated"] = len(updates)
    return counts


def _write_effects(tx, new_members, updates, started_by, today):
    session = tx.session
    for index, member in enumerate(new_members):
        if index % excel.YIELD_EVERY == 0:
            time.sleep(0)
        session.add_all(MemberSpecialty(member_id=member.id, specialty=specialty)
                        for specialty in dict.fromkeys(member.specialties or []))
        record_creation(session, member, started_by, "import")
    tx.emit_many("member_registered", [member_facts(member) for member in new_members])
    for index, (member, snapshot, before, specialties_given) in enumerate(updates):
        if index % excel.YIELD_EVERY == 0:
            time.sleep(0)
        if not record_changes(session, member.id, snapshot, history_snapshot(member), started_by, "import"):
            continue
        if specialties_given:
            index_specialties(session, member)
        tx.emit("member_updated", member_facts(member))
        if where(member) != before:
            emit_transferred(tx, member, before, today)


def _cross_field_problems(member, today, values=None):
    problems = {**member_problems(member, today), **counts_from_problem(values or {}, today)}
    return {excel.heading_of(field): reasons for field, reasons in problems.items()}


def list_import_errors(session, job_id, filters=None, page=1, page_size=20):
    """The rejected rows' reasons as ``{"row", "column", "reason"}``, by row."""
    load(NoFilters(), filters or {})
    page, page_size = paging(page, page_size)
    get_or_404(session, ImportJob, job_id, IMPORT_JOB)
    rejections = session.execute(
        sa.select(ImportRejection.row_number, ImportRejection.problems)
        .where(ImportRejection.job_id == job_id).order_by(ImportRejection.row_number)).all()
    items = [{"row": number, "column": column, "reason": reason}
             for number, problems in rejections for column, reasons in problems.items() for reason in reasons]
    start = (page - 1) * page_size
    return {"items": ImportErrorOut(many=True).dump(items[start:start + page_size]), "total": len(items), "page": page,
            "page_size": page_size}


def import_errors_workbook(session, job_id, *, access=SYSTEM):
    """The rejected rows as an .xlsx (base64), each with its row number and reasons; the
    personal facts ``access`` may not read masked."""
    job = get_or_404(session, ImportJob, job_id, IMPORT_JOB)
    rejections = session.scalars(
        sa.select(ImportRejection).where(ImportRejection.job_id == job_id).order_by(ImportRejection.row_number)).all()
    field_of = {heading: field for heading, field, _ in excel.COLUMNS}
    kind_at = {index: SENSITIVE_FIELDS[field_of[heading]] for index, heading in enumerate(job.headings)
               if field_of.get(heading) in SENSITIVE_FIELDS}
    rows = [(r.row_number,
             [masked(access, kind_at[i], cell) if i in kind_at else cell for i, cell in enumerate(r.cells)],
             r.problems) for r in rejections]
    content = excel.rejected(job.headings, rows)
    return base64.b64encode(content).decode("ascii")


def import_template():
    return base64.b64encode(excel.template()).decode("ascii")


def export_members(session, filters=None, *, access=SYSTEM):
    """The roster matching the list filters in the caller's branches, as an .xlsx (base64); the
    personal facts ``access`` may not read masked."""
    chosen = load(MemberFilters(), filters or {})
    branch_names = dict(session.execute(sa.select(Branch.id, Branch.name)).all())
    dump = MemberOut().dump
    rows = []
    for index, member in enumerate(session.scalars(member_query(chosen, access))):
        if index % excel.YIELD_EVERY == 0:
            time.sleep(0)
        out = masked_member(dump(member), access)
        rows.append(excel.member_row(out, branch_names) + [excel.STATUS_LABELS.get(out["status"], out["status"])])
    return base64.b64encode(excel.export(rows)).decode("ascii")
