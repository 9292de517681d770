"""The three contacts (三个联系): logging them, and who was not contacted in the last quarter."""
import sqlalchemy as sa

from activities.answers import UncontactedMemberOut
from activities.domain.contacts import HEALTH_TOPICS, coverage_window, learned_of
from activities.domain.member_facts import active_member_problem
from activities.handlers.member_facts import check_members_writable, facts_of, refuse_participants
from activities.models import Contact, MemberFact
from activities.schemas import ContactFilters, ContactIn, ContactOut, CoverageQuery
from activities.shared import already_done, filtered, flush_once, refuse_future, visible
from wuji_infra.access import HEALTH, SYSTEM, masked
from wuji_infra.errors import InvalidInput
from wuji_infra.validation import load, page_of, paging

_UNCONTACTED_OUT = UncontactedMemberOut(many=True)


def dump_contact(contact, access):
    """A contact as the caller may read it: ``learned`` is keyed by topic, so the gateway cannot
    mask its health topics by schema; they are masked here."""
    answer = ContactOut().dump(contact)
    for topic in HEALTH_TOPICS:
        if topic in answer["learned"]:
            answer["learned"][topic] = masked(access, HEALTH, answer["learned"][topic])
    return answer


def log_contact(tx, data, actor=None, request_id=None, *, today, access=SYSTEM):
    """Log a contact, once per ``request_id`` (a retry answers the contact logged first)."""
    values = load(ContactIn(), data)
    branch_id, by_id = values["branch_id"], values.get("contact_by_member_id")
    access.check_write(branch_id)
    check_members_writable(tx.session, access, [m for m in (values["member_id"], by_id) if m is not None])
    refuse_future(values["date"], today)
    existing = already_done(tx.session, Contact, request_id)
    if existing is not None:
        return dump_contact(existing, access)
    refuse_participants(tx.session, branch_id, [values["member_id"]], "member_id")
    if by_id is not None:
        by = tx.session.get(MemberFact, by_id)
        problem = active_member_problem(by_id, by and facts_of(by))
        if problem:
            raise InvalidInput(problem, {"contact_by_member_id": [problem]})
    contact = Contact(
        branch_id=branch_id, level=values["level"], contact_by=values["contact_by"],
        contact_by_member_id=by_id, member_id=values["member_id"], date=values["date"],
        channel=values["channel"], learned=learned_of(values["learned"]), recorded_by=actor,
        request_id=request_id,
    )
    tx.session.add(contact)
    flush_once(tx.session)
    tx.emit("contact_logged", {
        "contact_id": contact.id, "branch_id": branch_id, "level": contact.level,
        "date": contact.date, "member_id": contact.member_id,
    })
    return dump_contact(contact, access)


def list_contacts(session, filters=None, page=1, page_size=20, *, access=SYSTEM):
    """Contacts, latest first; filters ``branch_id``, ``member_id``, ``level``, ``date_from``, ``date_to``."""
    chosen = load(ContactFilters(), filters or {})
    query = sa.select(Contact).order_by(Contact.date.desc(), Contact.id.desc())
    query = visible(query, access.branch_clause(Contact.branch_id))
    query = filtered(query, Contact, chosen, ("branch_id", "member_id", "level"), Contact.date)
    return page_of(session, query, lambda contact: dump_contact(contact, access), page, page_size)


def contact_coverage(session, filters=None, page=1, page_size=20, *, today, access=SYSTEM):
    """The active members not contacted in the last quarter (``domain.contacts.coverage_window``
    up to the filter ``as_of``, default today), per branch; filter ``branch_id``.

    ``items``: those members (``member_id``, ``name``, ``branch_id``,
    ``last_contact_on`` or None), by branch then member, paged; ``branches``:
    for every branch with active members, how many there are and how many were
    not contacted.
    """
    chosen = load(CoverageQuery(), filters or {})
    page, page_size = paging(page, page_size)
    as_of = chosen.get("as_of") or today
    start, end = coverage_window(as_of)

    # index probes on (member_id, date) per member, not an aggregate over every contact
    contacted = (sa.select(Contact.id).where(Contact.member_id == MemberFact.member_id,
                                             Contact.date >= start, Contact.date <= end)
                 .correlate(MemberFact).exists())
    active = sa.and_(MemberFact.status == "active", MemberFact.registered_on <= end)
    scope = access.branch_clause(MemberFact.branch_id)
    if scope is not None:
        active = sa.and_(active, scope)
    if "branch_id" in chosen:
        active = sa.and_(active, MemberFact.branch_id == chosen["branch_id"])

    counts = session.execute(
        sa.select(MemberFact.branch_id, sa.func.count(), sa.func.count().filter(~contacted))
        .where(active).group_by(MemberFact.branch_id).order_by(MemberFact.branch_id)).all()
    branches = [{"branch_id": b, "active_members": n, "not_contacted": missing,
                 "contacted": n - missing} for b, n, missing in counts]
    total = sum(b["not_contacted"] for b in branches)

    last_on = (sa.select(sa.func.max(Contact.date))
               .where(Contact.member_id == MemberFact.member_id, Contact.date <= end)
               .correlate(MemberFact).scalar_subquery())
    rows = session.execute(
        sa.select(MemberFact.member_id, MemberFact.name, MemberFact.branch_id, last_on.label("last_contact_on"))
        .where(active, ~contacted).order_by(MemberFact.branch_id, MemberFact.member_id)
        .limit(page_size).offset((page - 1) * page_size)).all()
    return {"as_of": as_of.isoformat(), "window_start": start.isoformat(), "branches": branches,
            "items": _UNCONTACTED_OUT.dump(rows), "total": total, "page": page, "page_size": page_size}
