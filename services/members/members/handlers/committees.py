"""Branches and their committees: terms (换届), the committee now, the term reminders."""
import sqlalchemy as sa

from members.domain.committees import (
    default_term_end, has_secretary, seat_problem, term_reminder_due, term_start_problem, term_state,
)
from members.models import Branch, CommitteeSeat, Member, Term, TermReminder
from members.handlers.roster import STANDING, in_branches, refuse_withdrawn
from members.schemas import BranchFilters, BranchIn, BranchOut, CommitteeOut, NoFilters, TermIn, TermOut
from wuji_infra.access import SYSTEM
from wuji_infra.db import get_or_404
from wuji_infra.errors import Conflict, InvalidInput
from wuji_infra.validation import load, page_of, paging

BRANCH = ("党支部", "branch")
# the branches not withdrawn: every list, picker and figure counts only them (a withdrawn
# branch's name can be given again)
STANDING_BRANCH = Branch.withdrawn_at.is_(None)
_TERM_OUT = TermOut()


# -- branches -----------------------------------------------------------------

def create_branch(tx, data, actor=None):
    """A new branch (no term yet). ``actor`` is taken like every write's; a branch does not keep it."""
    values = load(BranchIn(), data)
    if tx.session.scalar(sa.select(Branch.id).where(Branch.name == values["name"], STANDING_BRANCH)):
        raise Conflict("同名党支部已存在 (a branch with this name exists)", {"name": ["already exists"]})
    branch = Branch(**values)
    tx.session.add(branch)
    tx.session.flush()
    return _branch_out(branch, None)


_BRANCH_OUT = BranchOut()


def _branch_out(branch, term):
    """A branch with its committee at a glance (``term``: its current one as _term_out, or None)."""
    return _BRANCH_OUT.dump({
        "id": branch.id, "name": branch.name, "unit": branch.unit, "created_at": branch.created_at,
        "has_secretary": bool(term and term["has_secretary"]),
        "term_ends_on": term["ends_on"] if term else None, "term_state": term["state"] if term else None,
        "withdrawn": branch.withdrawn,
    })


def branch_now(session, branch, today):
    term = _current_term(session, branch.id)
    return _branch_out(branch, None if term is None else _term_out(session, term, today))


def branches_now(session, branches, today):
    """``branch_now`` of many branches in two queries (their terms, the current terms' seats)."""
    latest = {}
    for term in session.scalars(sa.select(Term).where(Term.branch_id.in_([b.id for b in branches]))
                                .order_by(Term.branch_id, Term.starts_on.desc(), Term.id.desc())):
        latest.setdefault(term.branch_id, term)  # the latest first, as _current_term
    seats = _seats(session, [term.id for term in latest.values()])
    return [_branch_out(branch, _term_view(latest[branch.id], seats.get(latest[branch.id].id, []), today)
                        if branch.id in latest else None) for branch in branches]


def branch_to_read(session, branch_id, access):
    """The branch ``branch_id``, NotFound as well when it is not one of the caller's."""
    branch = get_or_404(session, Branch, branch_id, BRANCH)
    access.check_read(branch.id, BRANCH, branch_id)
    return branch


def get_branch(session, branch_id, *, today, access=SYSTEM):
    return branch_now(session, branch_to_read(session, branch_id, access), today)


def list_branches(session, filters=None, page=1, page_size=20, *, today, access=SYSTEM):
    """The caller's branches by id, those withdrawn left out; filter ``without_secretary`` (true:
    only those without one)."""
    chosen = load(BranchFilters(), filters or {})
    query = in_branches(sa.select(Branch).where(STANDING_BRANCH).order_by(Branch.id), Branch.id, access)
    if "without_secretary" not in chosen:
        return page_of(session, query, lambda branches: branches_now(session, branches, today), page, page_size,
                       together=True)
    page, page_size = paging(page, page_size)
    # a city bureau has tens of branches: the flag is worked out for each
    every = branches_now(session, session.scalars(query).all(), today)
    chosen_ones = [b for b in every if b["has_secretary"] is not chosen["without_secretary"]]
    start = (page - 1) * page_size
    return {"items": chosen_ones[start:start + page_size], "total": len(chosen_ones), "page": page,
            "page_size": page_size}


# -- committees and terms -----------------------------------------------------

def _current_term(session, branch_id):
    """The branch's latest term (the one elected last), or None."""
    return session.scalar(
        sa.select(Term).where(Term.branch_id == branch_id).order_by(Term.starts_on.desc(), Term.id.desc()).limit(1))


def _seats(session, term_ids):
    """``{term_id: [seat]}``: the seats of the terms, members withdrawn left out, in the order elected."""
    seats = {}
    for r in session.execute(
            sa.select(CommitteeSeat.term_id, CommitteeSeat.member_id, CommitteeSeat.role, Member.name, Member.status)
            .join(Member, Member.id == CommitteeSeat.member_id)
            .where(CommitteeSeat.term_id.in_(term_ids), STANDING).order_by(CommitteeSeat.id)):
        seats.setdefault(r.term_id, []).append(
            {"member_id": r.member_id, "role": r.role, "name": r.name, "member_status": r.status})
    return seats


def _term_out(session, term, today):
    """A term with its seats, as TermOut dumps it."""
    return _term_view(term, _seats(session, [term.id]).get(term.id, []), today)


def _term_view(term, committee, today):
    return {
        "id": term.id, "branch_id": term.branch_id, "starts_on": term.starts_on, "ends_on": term.ends_on,
        "state": term_state(term.ends_on, today), "committee": committee,
        "has_secretary": has_secretary(committee), "recorded_by": term.recorded_by,
    }


def elect_committee(tx, branch_id, data, actor=None, *, today, access=SYSTEM):
    """Record a newly elected committee as a new term (换届); earlier terms are kept."""
    branch = get_or_404(tx.session, Branch, branch_id, BRANCH)
    access.check_write(branch.id)
    refuse_withdrawn(BRANCH, branch)
    values = load(TermIn(), data)
    starts_on = values["starts_on"]
    ends_on = values.get("ends_on") or default_term_end(starts_on)
    latest = _current_term(tx.session, branch.id)
    reason = term_start_problem(starts_on, latest.starts_on if latest is not None else None)
    if reason:
        raise Conflict(reason, {"starts_on": [reason]})
    problems = {}
    for index, seat in enumerate(values["committee"]):
        reason = seat_problem(seat["member_id"], tx.session.get(Member, seat["member_id"]), branch.id)
        if reason:
            problems[f"committee.{index}.member_id"] = [reason]
    if problems:
        raise InvalidInput("班子成员有误 (invalid committee)", problems)
    term = Term(branch_id=branch.id, starts_on=starts_on, ends_on=ends_on, recorded_by=actor)
    tx.session.add(term)
    tx.session.flush()
    tx.session.add_all(CommitteeSeat(term_id=term.id, **seat) for seat in values["committee"])
    tx.session.flush()
    tx.emit("branch_term_elected", {"branch_id": branch.id, "term_id": term.id, "starts_on": starts_on,
                                    "ends_on": ends_on, "branch_name": branch.name})
    return _TERM_OUT.dump(_term_out(tx.session, term, today))


def get_committee(session, branch_id, *, today, access=SYSTEM):
    """The branch's current committee; ``term`` is None and ``has_secretary`` false when none is recorded."""
    branch = branch_to_read(session, branch_id, access)
    term = _current_term(session, branch.id)
    out = None if term is None else _term_out(session, term, today)
    return CommitteeOut().dump({"branch_id": branch.id, "term": out,
                                "has_secretary": out is not None and out["has_secretary"]})


def list_terms(session, branch_id, filters=None, page=1, page_size=20, *, today, access=SYSTEM):
    """All terms of a branch, the latest first."""
    load(NoFilters(), filters or {})
    branch = branch_to_read(session, branch_id, access)
    query = sa.select(Term).where(Term.branch_id == branch.id).order_by(Term.starts_on.desc(), Term.id.desc())
    def dump(terms):
        seats = _seats(session, [term.id for term in terms])
        return [_TERM_OUT.dump(_term_view(term, seats.get(term.id, []), today)) for term in terms]
    return page_of(session, query, dump, page, page_size, together=True)


def send_term_reminders(store, *, today):
    """Send the term reminders due ``today`` (the daily timer): each (term, reminder) once.

    Only a branch's current term is reminded of: a re-election stops the old
    one's reminders. The marker row and the outbox row commit together, so a
    crash either sends both or neither; a marker already there (a second run
    the same day, another process) means the reminder went out already.
    """
    with store.read() as session:
        terms = session.execute(sa.select(Term.id, Term.branch_id, Term.ends_on, Branch.name.label("branch_name"))
                                .join(Branch, Branch.id == Term.branch_id).where(STANDING_BRANCH)
                                .order_by(Term.branch_id, Term.starts_on, Term.id)).all()
    current = {term.branch_id: term for term in terms}  # the last per branch wins
    sent = []
    for term in current.values():
        due = term_reminder_due(term.ends_on, today)
        if due is None:
            continue
        event_type, reminder = due
        try:
            with store.transaction() as tx:
                already = tx.session.scalar(sa.select(TermReminder.id).where(
                    TermReminder.term_id == term.id, TermReminder.reminder == reminder))
                if already:
                    continue
                tx.session.add(TermReminder(term_id=term.id, reminder=reminder, sent_on=today))
                tx.session.flush()
                tx.emit(event_type, {"branch_id": term.branch_id, "term_id": term.id, "ends_on": term.ends_on,
                                     "reminder": reminder, "branch_name": term.branch_name})
        except sa.exc.IntegrityError:
            continue  # sent by a concurrent run
        sent.append((event_type, term.branch_id, reminder))
    return sent
