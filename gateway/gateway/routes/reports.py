"""The yearly report and the scorecard, composed here from every service's own yearly
figures and items (asked in parallel, each within its deadline), and the office's
scorecard policy (kept in the gateway's database)."""
from eventlet import tpool

from gateway import schemas
from gateway.auth import ADMIN, READERS
from gateway.reports import annual, documents, policy, scorecard
from gateway.reports.gather import gather
from gateway.routes.table import Route
from gateway.web import DOCX, XLSX, attachment
from wuji_infra import access
from wuji_infra.errors import no_such
from wuji_infra.types import utc_now
from wuji_infra.validation import load

REPORT_SECONDS = 20  # a year over 100,000 members is counted in about a second (bench/reports.py)
ANNUAL_RPCS = ("members.annual_figures", "activities.annual_figures", "welfare.annual_figures",
               "funding.annual_figures")
SCORECARD_RPCS = ("members.scorecard_items", "activities.scorecard_items", "welfare.scorecard_items",
                  "funding.scorecard_items")
FILES = {"docx": DOCX, "xlsx": XLSX}


def _year(c, query_schema):
    chosen = load(query_schema, c.filters)
    day = annual.as_of(chosen["year"], c.service.clock.today())
    return chosen, day, {"year": chosen["year"], "as_of": day.isoformat()}


def _file(kind, build, data, filename):
    """The document ``build(data)`` as a file; built in a thread of its own, so that the gateway's
    other requests go on meanwhile (a year of a large office takes most of a second)."""
    return attachment(tpool.execute(build, data), f"{filename}.{kind}", FILES[kind])


def annual_report(c):
    chosen, day, query = _year(c, schemas.AnnualReportQuery())
    calls = {rpc.split(".")[0]: (rpc, query) for rpc in ANNUAL_RPCS}
    if c.caller.role == access.SECRETARY:  # the money is the office's, not a branch's
        del calls["funding"]
    report = annual.compose(chosen["year"], day, gather(c, calls))
    if chosen["format"] == "json":
        return schemas.AnnualReportOut().dump(report)
    build = documents.annual_docx if chosen["format"] == "docx" else documents.annual_xlsx
    return _file(chosen["format"], build, report, f"{chosen['year']}年度离退休干部党建工作汇报")


def scorecard_report(c):
    chosen, day, query = _year(c, schemas.ScorecardQuery())
    asked = [chosen["branch_id"]] if chosen.get("branch_id") else None
    frame = gather(c, {"members": (SCORECARD_RPCS[0], dict(query, branch_ids=asked))})["members"]
    if asked and not frame["branches"]:  # not a branch, or not one of the caller's
        raise no_such(("党支部", "branch"), asked[0])
    branch_ids = [branch["branch_id"] for branch in frame["branches"]]
    answers = gather(c, {rpc: (rpc, dict(query, branch_ids=branch_ids)) for rpc in SCORECARD_RPCS[1:]})
    with c.service.db.read() as session:
        in_force = policy.in_force(session)
    card = {"year": chosen["year"], "as_of": day.isoformat(), "policy_version": in_force["version"],
            "branches": scorecard.scorecard(frame["branches"], [frame, *answers.values()], in_force)}
    if chosen["format"] == "json":
        return schemas.ScorecardOut().dump(card)
    build = documents.scorecard_docx if chosen["format"] == "docx" else documents.scorecard_xlsx
    return _file(chosen["format"], build, card, f"{chosen['year']}年度党支部标准化规范化建设达标情况")


def get_scorecard_policy(c):
    with c.service.db.read() as session:
        return policy.get_policy(session)


def set_scorecard_policy(c):
    return c.transaction(policy.set_policy, c.body, c.actor, utc_now())


def list_scorecard_policies(c):
    with c.service.db.read() as session:
        return policy.history(session, c.page, c.page_size)


ROUTES = [
    Route("GET", "/api/v1/reports/annual", READERS, "年度工作汇报 (format=docx/xlsx 下载; 书记只含本支部)",
          rpc=ANNUAL_RPCS, call=annual_report, query=schemas.AnnualReportQuery, answer=schemas.AnnualReportOut,
          name="annual_report",
          deadline=REPORT_SECONDS),
    Route("GET", "/api/v1/reports/scorecard", READERS, "标准化规范化达标情况 (format=docx/xlsx 下载)",
          rpc=SCORECARD_RPCS, call=scorecard_report, query=schemas.ScorecardQuery, answer=schemas.ScorecardOut,
          name="scorecard_report", audit="scorecard {filters}",  # names late hospital visits
          deadline=REPORT_SECONDS),
    Route("GET", "/api/v1/scorecard-policy", READERS, "达标评分标准 (现行版本)", call=get_scorecard_policy,
          answer=schemas.ScorecardPolicyOut, name="get_scorecard_policy"),
    Route("PUT", "/api/v1/scorecard-policy", ADMIN, "设置达标评分标准 (新版本)", call=set_scorecard_policy,
          body=schemas.ScorecardPolicyIn, answer=schemas.ScorecardPolicyOut, name="set_scorecard_policy",
          audit_write=True),
    Route("GET", "/api/v1/scorecard-policy/history", READERS, "达标评分标准历次版本", call=list_scorecard_policies,
          answer=schemas.ScorecardPolicyOut, paged=True, name="list_scorecard_policies"),
]
