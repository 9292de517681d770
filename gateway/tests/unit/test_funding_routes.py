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
