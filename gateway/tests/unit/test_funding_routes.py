"""The refused-expenses routes: read by the office's readers (filters year and status, paged),
booked by staff with an audit entry; a bad filter is 400 before any RPC."""
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from funding import schemas as fs
from gateway import auth, openapi, web
from gateway.routes import ROUTES
from wuji_infra.access import SECRETARY
from wuji_infra.errors import InvalidInput
from wuji_infra.validation import load

LIST = "GET /api/v1/funding/refused-expenses"
BOOK = "POST /api/v1/funding/refused-expenses/<id:refused_id>/book"


def route(key):
    return next(r for r in ROUTES if r.key == key)


def test_the_refused_expenses_are_read_by_the_office_and_paged():
    listed = route(LIST)
    assert listed.roles == auth.OFFICE_READERS and SECRETARY not in listed.roles
    assert listed.rpc == ("funding.list_refused_expenses",) and listed.paged and not listed.audit_write
    request = Request(EnvironBuilder(method="GET", path=listed.path,
                                     query_string="year=2026&status=refused&page=2").get_environ())
    assert web.query(request, listed.filters) == ({"year": "2026", "status": "refused"}, 2, 20)


def test_booking_a_refused_expense_is_staffs_and_audited():
    booking = route(BOOK)
    assert booking.roles == auth.STAFF and booking.audit_write
    assert booking.rpc == ("funding.book_refused_expense",) and booking.answer is fs.RefusedExpenseOut


def test_the_filters_are_documented():
    operation = openapi.build()["paths"][openapi.openapi_path(route(LIST).path)]["get"]
    assert {"year", "status"} <= {p["name"] for p in operation["parameters"] if "name" in p}


@pytest.mark.parametrize("filters, field", [({"status": "lost"}, "status"), ({"year": "MMXXVI"}, "year")])
def test_a_bad_filter_is_400(filters, field):
    with pytest.raises(InvalidInput) as raised:
        load(fs.RefusedFilters(), filters)
    assert field in raised.value.fields


# -- the dues sheet -------------------------------------------------------------------

SHEET = "GET /api/v1/funding/dues/sheet"
UPLOAD = "POST /api/v1/funding/dues/sheet"


class Calls:
    """A service whose clients record the calls; members answers the branch, or raises."""

    def __init__(self, branch_error=None):
        self.calls, self.branch_error = [], branch_error

    def __getattr__(self, service):
        calls, branch_error = self.calls, self.branch_error

        class Client:
            def with_deadline(self, seconds):
                return self

            def __getattr__(self, method):
                def call(*args, **kwargs):
                    calls.append(f"{service}.{method}")
                    if method == "get_branch":
                        if branch_error:
                            raise branch_error
                        return {"id": args[0], "name": "机关第一党支部"}
                    if method == "dues_sheet":
                        assert args == ({"branch_id": "7", "year": "2026"}, "机关第一党支部")
                        return {"content_base64": "UEs=", "filename": "机关第一党支部2026年党费收缴表.xlsx"}
                    return {"year": 2026}
                return call
        return Client()


def dispatch(service, key, query="", data=None, content_type=None):
    from gateway.routes.table import dispatch as run
    declared = route(key)
    request = Request(EnvironBuilder(method=declared.method, path=declared.path, query_string=query, data=data,
                                     content_type=content_type).get_environ())
    request.environ[web.CALLER] = auth.Caller("sec", SECRETARY, (7,))
    return run(service, declared, request, {})


def test_the_sheet_is_the_branch_writers_and_its_upload_audited():
    assert route(SHEET).roles == route(UPLOAD).roles == auth.BRANCH_WRITERS
    assert route(UPLOAD).audit_write and route(UPLOAD).body == "xlsx" and route(UPLOAD).status == 201


def test_the_sheet_is_titled_by_the_branch_members_names_and_sent_as_a_file():
    service = Calls()
    answer = dispatch(service, SHEET, "branch_id=7&year=2026")
    assert service.calls == ["members.get_branch", "funding.dues_sheet"]
    assert answer.status_code == 200 and answer.mimetype == web.XLSX
    assert "filename*=UTF-8''" in answer.headers["Content-Disposition"]


def test_a_bad_sheet_query_is_400_and_another_branch_404_before_funding_is_asked():
    from wuji_infra.errors import NotFound
    service = Calls()
    for query, field in (("year=2026", "branch_id"), ("branch_id=7&year=2026&month=13", "month")):
        with pytest.raises(InvalidInput) as raised:
            dispatch(service, SHEET, query)
        assert field in raised.value.fields
    service = Calls(branch_error=NotFound("党支部 8 不存在 (no such branch)"))
    with pytest.raises(NotFound):
        dispatch(service, SHEET, "branch_id=8&year=2026")
    assert service.calls == ["members.get_branch"]


def test_the_upload_takes_the_file_itself():
    from gateway.errors import UnsupportedMediaType
    service = Calls()
    assert dispatch(service, UPLOAD, data=b"PK\x03\x04", content_type=web.XLSX).status_code == 201
    assert service.calls == ["funding.record_dues_sheet"]
    with pytest.raises(UnsupportedMediaType):
        dispatch(service, UPLOAD, data=b"{}", content_type="application/json")
