"""Branches, their committee terms and the committee now (members service)."""
from members import schemas as ms

from gateway.auth import BRANCH_WRITERS, READERS, STAFF
from gateway.routes.table import Route, fetch, listing, write

ROUTES = [
    Route("POST", "/api/v1/branches", STAFF, "新建党支部", rpc="members.create_branch", call=write,
          body=ms.BranchIn, answer=ms.BranchOut, status=201),
    Route("GET", "/api/v1/branches", READERS, "党支部列表", rpc="members.list_branches", call=listing,
          query=ms.BranchFilters, answer=ms.BranchOut),
    Route("GET", "/api/v1/branches/<id:branch_id>", READERS, "党支部详情", rpc="members.get_branch", call=fetch,
          answer=ms.BranchOut),
    Route("POST", "/api/v1/branches/<id:branch_id>/withdrawal", STAFF, "撤销误录的党支部 (须无在册党员)",
          rpc="members.withdraw_branch", call=write, body=ms.WithdrawalIn, answer=ms.BranchOut, audit_write=True),
    Route("POST", "/api/v1/branches/<id:branch_id>/terms", BRANCH_WRITERS, "支委会换届 (选出新一届)",
          rpc="members.elect_committee", call=write, body=ms.TermIn, answer=ms.TermOut, status=201),
    Route("GET", "/api/v1/branches/<id:branch_id>/terms", READERS, "支委会历届", rpc="members.list_terms",
          call=listing, answer=ms.TermOut),
    Route("GET", "/api/v1/branches/<id:branch_id>/committee", READERS, "现任支委会", rpc="members.get_committee",
          call=fetch, answer=ms.CommitteeOut),
]
