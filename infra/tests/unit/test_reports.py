"""What every service answers for the yearly report and the scorecard (wuji_infra.reports)."""
import pytest

from wuji_infra.errors import InvalidInput
from wuji_infra.reports import MOST_LISTED, ReportQuery, scorecard_item
from wuji_infra.validation import load


def test_a_scorecard_item_lists_the_first_misses_and_says_how_many_more():
    assert scorecard_item("venue", []) == {"key": "venue", "met": True, "missing": [], "misses": 0}
    many = scorecard_item("contacts_quarterly", [f"党员{n} 从未联系" for n in range(MOST_LISTED + 5)])
    assert many["misses"] == MOST_LISTED + 5 and len(many["missing"]) == MOST_LISTED + 1
    assert many["missing"][-1] == "……另有 5 项未列出（完整名单见相应列表）"



@pytest.mark.parametrize("query, field", [({"as_of": "2025-12-31"}, "year"), ({"year": 2025}, "as_of"),
                                          ({"year": 2025, "as_of": "2024-12-31"}, "as_of"),
                                          ({"year": 1999, "as_of": "1999-12-31"}, "year"),
                                          ({"year": 2025, "as_of": "2025-12-31", "branch_ids": [0]}, "branch_ids.0")])
def test_a_bad_report_query_names_the_field(query, field):
    with pytest.raises(InvalidInput) as refused:
        load(ReportQuery(), query)
    assert field in refused.value.fields
