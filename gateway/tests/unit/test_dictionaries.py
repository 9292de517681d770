"""Every code list has a Chinese label for each of its codes, and only for them."""
import re

from activities.domain import activities, bulletins, contacts, organization_life, review_meetings, study
from funding.domain import dues, ledger, subsidy
from members.domain import committees, health, honors, roster
from welfare.domain import festivals, help_cases, pairings, tasks
from members.domain import withdrawals
from members.handlers import health as member_health, imports, roster as member_roster
from members.schemas import ImportJobOut, MemberOut
from activities.schemas import LearnedIn
from funding.schemas import DuesMonthOut
from notifications.domain import policy as notification_policy
from notifications.domain import todos
from wuji_infra import access

from gateway.dictionaries import DICTIONARIES, dictionaries
from gateway.routes import ROUTES
from gateway.reports import annual, scorecard

# each list's codes, as the rules and schemas know them
CODES = {
    "gender": roster.GENDERS, "retirement_kind": roster.RETIREMENT_KINDS, "org_relation": roster.ORG_RELATIONS,
    "member_status": roster.MEMBER_STATUSES, "transfer_target": roster.TRANSFER_TARGETS,
    "health_event_kind": health.HEALTH_EVENT_KINDS, "honor_level": honors.HONOR_LEVELS,
    "committee_role": committees.COMMITTEE_ROLES, "term_state": committees.TERM_STATES,
    "activity_kind": activities.ACTIVITY_KINDS,
    "cost_status": activities.COST_STATUSES, "bulletin_item_kind": bulletins.BULLETIN_ITEM_KINDS,
    "contact_level": contacts.CONTACT_LEVELS, "contact_channel": contacts.CONTACT_CHANNELS,
    "review_meeting_kind": review_meetings.REVIEW_MEETING_KINDS,
    "branch_meeting_kind": organization_life.BRANCH_MEETING_KINDS, "catch_up_method": study.CATCH_UP_METHODS,
    "study_month_status": study.MONTH_STATUSES,
    "visit_cause": tasks.CAUSES, "visit_kind": tasks.VISIT_KINDS, "visit_task_status": tasks.STATUSES,
    "help_case_status": help_cases.HELP_CASE_STATUSES, "visitor_role": pairings.VISITOR_ROLES,
    "pairing_reason": pairings.PAIRING_REASONS, "talk_way": pairings.TALK_WAYS, "festival": tuple(festivals.FESTIVALS),
    "funding_source": tuple(ledger.SOURCES), "expense_category": tuple(ledger.CATEGORIES),
    "subsidy_status": subsidy.STATUSES, "ledger_kind": tuple(ledger.LEDGER_EFFECTS),
    "dues_rate_kind": (dues.FIXED, dues.ADJUSTMENT), "refused_expense_status": ("refused", "booked"),
    "subsidy_cause": ("hospitalized", "serious_illness"),
    "role": access.ROLES, "basic": scorecard.BASICS,
    "import_status": tuple(ImportJobOut().fields["status"].metadata["enum"]),
    "dues_month_status": tuple(DuesMonthOut().fields["members"].inner.schema.fields["status"].metadata["enum"]),
    "contact_learned": tuple(LearnedIn().fields),
    "todo_kind": tuple(notification_policy.KINDS), "todo_status": todos.STATUSES,
    "notify_receiver": notification_policy.RECEIVERS, "notify_push": notification_policy.PUSHES,
    "delivery_status": ("pending", "sent", "failed"), "delivery_channel": ("webhook", "email"),
}


def test_each_list_labels_exactly_its_codes_in_their_order():
    assert set(DICTIONARIES) == set(CODES) | {"report_figure", "member_field", "history_reason"}
    for name, codes in CODES.items():
        assert tuple(DICTIONARIES[name]) == tuple(codes), name
        assert all(label and not label.isascii() for label in DICTIONARIES[name].values()), name


def test_every_figure_of_the_yearly_report_has_its_words():
    figures = {key for keys in annual.FIGURES.values() for key in keys} | {"condolence_wan", "party_anniversary"}
    assert set(DICTIONARIES["report_figure"]) == figures
    assert all(not label.isascii() for label in DICTIONARIES["report_figure"].values())


def test_every_field_of_a_member_and_every_reason_of_its_history_has_a_label():
    fields = set(MemberOut().fields) - {"id", "created_at", "updated_at"}
    assert fields <= set(DICTIONARIES["member_field"])
    handlers = "".join(open(module.__file__, encoding="utf-8").read() for module in (member_roster, member_health, imports))
    reasons = set(re.findall(r'record_(?:creation|changes)\(.*, "(\w+)"\)', handlers)) | {withdrawals.HISTORY_REASON}
    assert reasons == set(DICTIONARIES["history_reason"])


def test_the_answer_is_code_and_label_pairs():
    answer = dictionaries()["dictionaries"]
    assert answer["gender"] == [{"code": "male", "label": "男"}, {"code": "female", "label": "女"}]
    assert answer["funding_source"][1] == {"code": "dues_rebate", "label": "党费返还"}


def test_each_audited_route_is_an_action_of_the_audit_log_with_its_summary():
    actions = {entry["code"]: entry["label"] for entry in dictionaries()["dictionaries"]["audit_action"]}
    assert set(actions) == {route.name for route in ROUTES if route.audited} | {"issue_token"}
    assert actions["issue_token"] == "登录, 取得令牌" and actions["add_budget"] == "录入预算"
    assert all(not re.search("[A-Za-z]", text) for text in actions.values()), actions
