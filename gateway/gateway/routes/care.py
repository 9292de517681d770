"""Visit tasks, visitors, pairings, help cases and festivals (welfare service).

A pairing's reason and the needs of unpaired members may tell of a serious
illness: health facts, so every read of them is audited like the health events.
"""
from welfare import schemas as ws

from gateway.auth import BRANCH_WRITERS, READERS, STAFF
from gateway.routes.table import Route, fetch, listing, view, write


ROUTES = [
    Route("GET", "/api/v1/visit-tasks", READERS, "走访任务列表", rpc="welfare.list_visit_tasks", call=listing,
          query=ws.VisitTaskFilters, answer=ws.VisitTaskOut, audit="visit tasks {filters}"),
    Route("GET", "/api/v1/visit-tasks/<id:task_id>", READERS, "走访任务详情", rpc="welfare.get_visit_task",
          call=fetch, answer=ws.VisitTaskOut, audit="visit task {task_id}"),
    Route("POST", "/api/v1/visit-tasks/<id:task_id>/complete", BRANCH_WRITERS, "完成走访",
          rpc="welfare.complete_visit_task", call=write, body=ws.VisitCompletionIn, answer=ws.VisitTaskOut),
    Route("POST", "/api/v1/visit-tasks/<id:task_id>/cancel", BRANCH_WRITERS, "取消走访任务",
          rpc="welfare.cancel_visit_task", call=write, body=ws.CancelIn, answer=ws.VisitTaskOut),
    Route("PUT", "/api/v1/visit-tasks/<id:task_id>/assignee", BRANCH_WRITERS, "改派走访人",
          rpc="welfare.change_assignee", call=write, body=ws.AssigneeIn, answer=ws.VisitTaskOut),
    Route("POST", "/api/v1/visitors", STAFF, "新增走访人员", rpc="welfare.add_visitor", call=write,
          body=ws.VisitorIn, answer=ws.VisitorOut, status=201),
    Route("GET", "/api/v1/visitors", READERS, "走访人员列表", rpc="welfare.list_visitors", call=listing,
          query=ws.VisitorFilters, answer=ws.VisitorOut),
    Route("GET", "/api/v1/pairings", READERS, "结对帮扶列表 (查看留痕)", rpc="welfare.list_pairings",
          call=listing, query=ws.PairingFilters, answer=ws.PairingOut, audit="pairings {filters}"),
    Route("POST", "/api/v1/pairings", BRANCH_WRITERS, "新建结对", rpc="welfare.create_pairing", call=write,
          body=ws.PairingIn, answer=ws.PairingOut, status=201),
    Route("GET", "/api/v1/pairings/<id:pairing_id>", READERS, "结对详情 (查看留痕)", rpc="welfare.get_pairing",
          call=fetch, answer=ws.PairingDetailOut, audit="pairing {pairing_id}"),
    Route("POST", "/api/v1/pairings/<id:pairing_id>/end", BRANCH_WRITERS, "结束结对", rpc="welfare.end_pairing",
          call=write, body=ws.PairingEndIn, answer=ws.PairingDetailOut),
    Route("POST", "/api/v1/pairings/<id:pairing_id>/talks", BRANCH_WRITERS, "记录结对谈心",
          rpc="welfare.log_pairing_talk", call=write, body=ws.TalkIn, answer=ws.PairingDetailOut, status=201),
    Route("GET", "/api/v1/unpaired-members", READERS, "未结对的党员 (查看留痕)",
          rpc="welfare.members_without_pairing", call=listing, query=ws.UnpairedFilters, answer=ws.UnpairedMemberOut,
          audit="unpaired members {filters}"),
    Route("POST", "/api/v1/help-cases", BRANCH_WRITERS, "新建帮扶事项", rpc="welfare.open_help_case", call=write,
          body=ws.HelpCaseIn, answer=ws.HelpCaseOut, status=201),
    Route("GET", "/api/v1/help-cases", READERS, "帮扶事项列表", rpc="welfare.list_help_cases", call=listing,
          query=ws.HelpCaseFilters, answer=ws.HelpCaseOut),
    Route("GET", "/api/v1/help-cases/<id:case_id>", READERS, "帮扶事项详情", rpc="welfare.get_help_case",
          call=fetch, answer=ws.HelpCaseOut),
    Route("PUT", "/api/v1/help-cases/<id:case_id>/assignee", BRANCH_WRITERS, "指派帮扶事项",
          rpc="welfare.assign_help_case", call=write, body=ws.AssigneeIn, answer=ws.HelpCaseOut),
    Route("POST", "/api/v1/help-cases/<id:case_id>/notes", BRANCH_WRITERS, "记录帮扶进展",
          rpc="welfare.add_help_case_note", call=write, body=ws.NoteIn, answer=ws.HelpCaseOut, status=201),
    Route("POST", "/api/v1/help-cases/<id:case_id>/close", BRANCH_WRITERS, "办结帮扶事项",
          rpc="welfare.close_help_case", call=write, body=ws.HelpCaseCloseIn, answer=ws.HelpCaseOut),
    Route("GET", "/api/v1/festival-policies", READERS, "节日慰问规则", rpc="welfare.list_festival_policies",
          call=view, query=ws.FestivalYearIn, answer=ws.FestivalPoliciesOut),
    Route("PUT", "/api/v1/festival-policies/<festival>", STAFF, "设置节日慰问规则",
          rpc="welfare.set_festival_policy", call=write, body=ws.FestivalPolicyIn, answer=ws.FestivalPolicyOut,
          audit_write=True),
    Route("POST", "/api/v1/festival-batches", STAFF, "生成节日慰问任务", rpc="welfare.run_festival_batch",
          call=write, body=ws.FestivalBatchIn, answer=ws.FestivalBatchOut),
]
