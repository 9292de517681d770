"""Organization life of a retirees' branch (DOMAIN: 主题党日 every month, an organization-life
meeting and a democratic review of members every year) and its venue (活动场所)."""

BRANCH_MEETING_KINDS = ("theme_day", "organization_life", "democratic_review")
BRANCH_MEETING_LABELS = {"theme_day": "主题党日", "organization_life": "组织生活会", "democratic_review": "民主评议党员"}
YEARLY_MISSING = {"organization_life": "本年尚未召开组织生活会", "democratic_review": "本年尚未开展民主评议党员"}
NO_VENUE = "无活动场所"


def venue_dates_problem(since, until):
    if until is not None and until < since:
        return "停用日期不能早于启用日期 (until is before since)"
    return None


def has_venue(venues, day):
    """Whether one of ``venues`` ``[(since, until)]`` covers ``day``."""
    return any(since <= day and (until is None or until >= day) for since, until in venues)
