"""Study sessions, contacts, activities, bulletins, review meetings, experts and
the year's figures (activities service)."""
from activities import answers, schemas as acts

from gateway.auth import BRANCH_WRITERS, READERS
from gateway.routes.table import Route, fetch, idempotent_write, listing, view, write

def member_engagements(c):
    """A member's service at review meetings: the meetings they took part in (one record, in activities)."""
    member_id, = c.ids
    return c.rpc({"member_id": member_id}, c.page, c.page_size)


ROUTES = [
    Route("POST", "/api/v1/study-sessions", BRANCH_WRITERS, "记录集体学习", rpc="activities.record_study_session",
          call=write, body=acts.StudySessionIn, answer=acts.StudySessionOut, status=201),
    Route("GET", "/api/v1/study-sessions", READERS, "集体学习列表", rpc="activities.list_study_sessions",
          call=listing, query=acts.StudySessionFilters, answer=acts.StudySessionOut),
    Route("GET", "/api/v1/study-sessions/<id:session_id>", READERS, "集体学习详情",
          rpc="activities.get_study_session", call=fetch, answer=acts.StudySessionOut),
    Route("POST", "/api/v1/study-sessions/<id:session_id>/catch-ups", BRANCH_WRITERS, "记录补学",
          rpc="activities.record_catch_up", call=write, body=acts.CatchUpIn, answer=acts.StudySessionOut, status=201),
    Route("GET", "/api/v1/study-absences", READERS, "缺学名单", rpc="activities.list_absences", call=listing,
          query=acts.AbsenceFilters, answer=answers.AbsenceOut),
    Route("GET", "/api/v1/study-compliance", READERS, "学习达标情况", rpc="activities.study_compliance",
          call=view, query=acts.ComplianceQuery, answer=answers.StudyComplianceOut),
    Route("POST", "/api/v1/contacts", BRANCH_WRITERS, "记录联系党员", rpc="activities.log_contact",
          call=idempotent_write, idempotent=True, body=acts.ContactIn, answer=acts.ContactOut, status=201),
    Route("GET", "/api/v1/contacts", READERS, "联系记录", rpc="activities.list_contacts", call=listing,
          query=acts.ContactFilters, answer=acts.ContactOut),
    Route("GET", "/api/v1/contacts/coverage", READERS, "联系覆盖情况", rpc="activities.contact_coverage",
          call=listing, query=acts.CoverageQuery, answer=answers.UncontactedMemberOut),
    Route("POST", "/api/v1/activities", BRANCH_WRITERS, "记录活动", rpc="activities.record_activity",
          call=idempotent_write, idempotent=True, body=acts.ActivityIn, answer=acts.ActivityOut, status=201),
    Route("GET", "/api/v1/activities", READERS, "活动列表", rpc="activities.list_activities", call=listing,
          query=acts.ActivityFilters, answer=acts.ActivityOut),
    Route("GET", "/api/v1/activities/<id:activity_id>", READERS, "活动详情", rpc="activities.get_activity",
          call=fetch, answer=acts.ActivityOut),
    Route("POST", "/api/v1/bulletins", BRANCH_WRITERS, "发布简报", rpc="activities.publish_bulletin", call=write,
          body=acts.BulletinIn, answer=acts.BulletinOut, status=201),
    Route("GET", "/api/v1/bulletins", READERS, "简报列表", rpc="activities.list_bulletins", call=listing,
          query=acts.BulletinFilters, answer=acts.BulletinOut),
    Route("GET", "/api/v1/bulletins/<id:bulletin_id>", READERS, "简报详情", rpc="activities.get_bulletin",
          call=fetch, answer=acts.BulletinOut),
    Route("GET", "/api/v1/bulletin-gaps", READERS, "未出简报的周", rpc="activities.bulletin_gaps", call=view,
          query=acts.ComplianceQuery, answer=answers.BulletinGapsOut),
    Route("POST", "/api/v1/review-meetings", BRANCH_WRITERS, "记录论证评审会", rpc="activities.record_review_meeting",
          call=write, body=acts.ReviewMeetingIn, answer=acts.ReviewMeetingOut, status=201),
    Route("GET", "/api/v1/review-meetings", READERS, "论证评审会列表", rpc="activities.list_review_meetings",
          call=listing, query=acts.ReviewMeetingFilters, answer=acts.ReviewMeetingOut),
    Route("GET", "/api/v1/review-meetings/<id:meeting_id>", READERS, "论证评审会详情",
          rpc="activities.get_review_meeting", call=fetch, answer=acts.ReviewMeetingOut),
    Route("GET", "/api/v1/experts", READERS, "专家人才库", rpc="activities.list_experts", call=listing,
          query=acts.ExpertFilters, answer=answers.ExpertOut),
    Route("GET", "/api/v1/activity-statistics", READERS, "年度活动统计", rpc="activities.statistics", call=view,
          query=acts.YearQuery, answer=answers.StatisticsOut, name="activity_statistics"),
    Route("POST", "/api/v1/branch-meetings", BRANCH_WRITERS, "记录主题党日、组织生活会、民主评议",
          rpc="activities.record_branch_meeting", call=write, body=acts.BranchMeetingIn, answer=acts.BranchMeetingOut,
          status=201),
    Route("GET", "/api/v1/branch-meetings", READERS, "组织生活记录", rpc="activities.list_branch_meetings",
          call=listing, query=acts.BranchMeetingFilters, answer=acts.BranchMeetingOut),
    Route("GET", "/api/v1/branch-meetings/<id:branch_meeting_id>", READERS, "组织生活记录详情",
          rpc="activities.get_branch_meeting", call=fetch, answer=acts.BranchMeetingOut),
    Route("POST", "/api/v1/venues", BRANCH_WRITERS, "登记活动场所", rpc="activities.add_venue", call=write,
          body=acts.VenueIn, answer=acts.VenueOut, status=201),
    Route("POST", "/api/v1/venues/<id:venue_id>/end", BRANCH_WRITERS, "停用活动场所", rpc="activities.end_venue",
          call=write, body=acts.VenueEndIn, answer=acts.VenueOut),
    Route("GET", "/api/v1/venues", READERS, "活动场所", rpc="activities.list_venues", call=listing,
          query=acts.VenueFilters, answer=acts.VenueOut),
    Route("GET", "/api/v1/members/<id:member_id>/engagements", READERS, "参与论证咨询记录 (该党员参加的论证会)",
          rpc="activities.list_review_meetings", call=member_engagements, answer=acts.ReviewMeetingOut, paged=True,
          name="member_engagements"),
]
