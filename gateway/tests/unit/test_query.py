"""Query strings of the list endpoints: filters and paging, checked before any RPC."""
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway import web
from wuji_infra.errors import InvalidInput

MEMBER_FILTERS = ("branch_id", "q", "org_relation", "status")


def get(query_string):
    return Request(EnvironBuilder(method="GET", path="/api/v1/members", query_string=query_string).get_environ())


def test_defaults_are_page_1_of_20():
    assert web.query(get("")) == ({}, 1, 20)


def test_filters_and_paging_are_read():
    filters, page, page_size = web.query(get("branch_id=3&q=%E5%BC%A0&page=2&page_size=500"), MEMBER_FILTERS)
    assert filters == {"branch_id": "3", "q": "张"}
    assert (page, page_size) == (2, 500)


@pytest.mark.parametrize("query_string, field", [
    ("page=0", "page"), ("page=-1", "page"), ("page=x", "page"), ("page=", "page"),
    ("page_size=0", "page_size"), ("page_size=501", "page_size"), ("page_size=1.5", "page_size"),
])
def test_bad_paging_is_400_on_the_parameter(query_string, field):
    with pytest.raises(InvalidInput) as excinfo:
        web.query(get(query_string), MEMBER_FILTERS)
    assert field in excinfo.value.fields


def test_an_unknown_parameter_is_400_not_silently_ignored():
    with pytest.raises(InvalidInput) as excinfo:
        web.query(get("stauts=active"), MEMBER_FILTERS)
    assert list(excinfo.value.fields) == ["stauts"]


def test_a_list_without_filters_refuses_any():
    with pytest.raises(InvalidInput):
        web.query(get("branch_id=1"))


@pytest.mark.parametrize("query_string, field", [
    ("page=99999999999999999999", "page"), ("page=1000001", "page"), ("page=%EF%BC%92", "page"),
    ("page=%D9%A2", "page"), ("page=%201", "page"), ("page=1_0", "page"), ("page_size=%2B5", "page_size"),
    ("q=%00", "q"), ("q=a%00b&page=2", "q"),
])
def test_paging_takes_ascii_digits_in_range_and_no_text_carries_nul(query_string, field):
    with pytest.raises(InvalidInput) as excinfo:
        web.query(get(query_string), ("q",))
    assert list(excinfo.value.fields) == [field]
