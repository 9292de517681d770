"""Every code list of the API with its Chinese label, in one place for front ends: the console's
selects, tables and filters show the label, and send the code. Each label table lives beside
its codes in the domain module that owns them; this only gathers them."""
import re

from activities.domain import activities, bulletins, contacts, organization_life, review_meetings, study
from funding.domain import dues, ledger, subsidy
from members import excel
from members.domain import committees, health, honors, imports, roster
from notifications.domain import policy as notification_policy
from notifications.domain import todos
from welfare.domain import festivals, help_cases, pairings, standards, tasks

from gateway import auth
from gateway.reports import documents, scorecard

DICTIONARIES = {
    "gender": roster.GENDER_LABELS,
    "retirement_kind": roster.RETIREMENT_KIND_LABELS,
    "org_relation": roster.ORG_RELATION_LABELS,
    "member_status": roster.MEMBER_STATUS_LABELS,
    "member_field": excel.FIELD_LABELS,
    "history_reason": roster.HISTORY_REASON_LABELS,
    "import_status": imports.IMPORT_STATUS_LABELS,
    "transfer_target": roster.TRANSFER_TARGET_LABELS,
    "health_event_kind": health.HEALTH_EVENT_LABELS,
    "honor_level": honors.HONOR_LEVEL_LABELS,
    "committee_role": committees.ROLE_TITLES,
    "term_state": committees.TERM_STATE_LABELS,
    "activity_kind": activities.ACTIVITY_LABELS,
    "cost_status": activities.COST_STATUS_LABELS,
    "bulletin_item_kind": bulletins.BULLETIN_ITEM_LABELS,
    "contact_level": contacts.CONTACT_LEVEL_LABELS,
    "contact_channel": contacts.CONTACT_CHANNEL_LABELS,
    "contact_learned": contacts.LEARNED_LABELS,
    "review_meeting_kind": review_meetings.REVIEW_MEETING_LABELS,
    "branch_meeting_kind": organization_life.BRANCH_MEETING_LABELS,
    "catch_up_method": study.CATCH_UP_LABELS,
    "study_month_status": study.MONTH_STATUS_LABELS,
    "visit_cause": standards.CAUSE_LABELS,
    "visit_kind": tasks.VISIT_KIND_LABELS,
    "visit_task_status": tasks.STATUS_LABELS,
    "help_case_status": help_cases.HELP_CASE_STATUS_LABELS,
    "visitor_role": pairings.VISITOR_ROLE_LABELS,
    "pairing_reason": pairings.PAIRING_REASON_LABELS,
    "talk_way": pairings.TALK_WAY_LABELS,
    "festival": {key: name for key, (name, _, _) in festivals.FESTIVALS.items()},
    "funding_source": ledger.SOURCES,
    "expense_category": ledger.CATEGORIES,
    "ledger_kind": ledger.KIND_LABELS,
    "dues_rate_kind": dues.RATE_KIND_LABELS,
    "refused_expense_status": ledger.REFUSED_STATUS_LABELS,
    "subsidy_status": subsidy.STATUS_LABELS,
    "dues_month_status": dues.MONTH_STATE_LABELS,
    "subsidy_cause": subsidy.SUBSIDY_CAUSES,
    "role": auth.ROLE_LABELS,
    "basic": scorecard.BASIC_TITLES,
    "report_figure": documents.FIGURE_LABELS,
    "todo_kind": {kind: rule.label for kind, rule in notification_policy.KINDS.items()},
    "todo_status": todos.STATUS_LABELS,
    "notify_receiver": notification_policy.RECEIVER_LABELS,
    "notify_push": notification_policy.PUSH_LABELS,
    "delivery_status": notification_policy.DELIVERY_STATUS_LABELS,
    "delivery_channel": notification_policy.CHANNEL_LABELS,
}


_FOR_DEVELOPERS = re.compile(r"\s*\([^()]*[A-Za-z][^()]*\)\s*$")  # "… (format=docx/xlsx 下载)"


def audit_actions():
    """The actions of the audit log (the entrypoint of each audited route) with the route's
    summary, without a last bracket meant for developers."""
    from gateway.routes import ROUTES  # the route table holds the dictionaries' own route
    # a login records itself (routes/accounts.py: a refused one names the username tried)
    return {route.name: _FOR_DEVELOPERS.sub("", route.summary) for route in ROUTES
            if route.audited or route.name == "issue_token"}


def dictionaries():
    """``{"dictionaries": {NAME: [{"code", "label"}]}}``, each list in its codes' own order."""
    lists = {**DICTIONARIES, "audit_action": audit_actions()}
    return {"dictionaries": {name: [{"code": code, "label": label} for code, label in labels.items()]
                             for name, labels in lists.items()}}
