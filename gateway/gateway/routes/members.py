"""The roster: members, their history, transfers, honors, social
roles, the headline figures, and Excel import and export (members service)."""
from members import schemas as ms

from gateway import schemas
from gateway.auth import BRANCH_WRITERS, READERS, STAFF
from gateway.routes.table import FILE_RPC_SECONDS, XLSX, Route, act, fetch, listing, view, write
from gateway.web import download


def import_template(c):
    return download(c.rpc(), "党员名册导入模板.xlsx")


def start_import(c):
    return c.rpc(c.body, c.filters.get("filename"), actor=c.actor)


def import_errors_workbook(c):
    return download(c.rpc(*c.ids), f"导入错误行_{c.ids[0]}.xlsx")


def export_members(c):
    return download(c.rpc(c.filters), "党员名册.xlsx")


ROUTES = [
    Route("POST", "/api/v1/members", BRANCH_WRITERS, "新增党员", rpc="members.create_member", call=write,
          body=ms.MemberIn, answer=ms.MemberOut, status=201),
    Route("GET", "/api/v1/members", READERS, "党员名册 (筛选, 人才查找)", rpc="members.list_members", call=listing,
          query=ms.MemberFilters, answer=ms.MemberOut),
    Route("GET", "/api/v1/members/<id:member_id>", READERS, "党员详情", rpc="members.get_member", call=fetch,
          answer=ms.MemberOut),
    Route("PATCH", "/api/v1/members/<id:member_id>", BRANCH_WRITERS, "修改党员信息", rpc="members.update_member",
          call=write, body=ms.MemberIn(partial=True), answer=ms.MemberOut),
    Route("POST", "/api/v1/members/<id:member_id>/withdrawal", STAFF, "撤销误录的党员 (留存记录，不再计入名册和统计)",
          rpc="members.withdraw_member", call=write, body=ms.WithdrawalIn, answer=ms.MemberOut, audit_write=True),
    Route("GET", "/api/v1/members/<id:member_id>/history", READERS, "党员信息变更记录",
          rpc="members.member_history", call=listing, answer=ms.MemberChangeOut,
          audit="history of member {member_id}"),
    Route("POST", "/api/v1/members/<id:member_id>/transfers", BRANCH_WRITERS, "组织关系转接",
          rpc="members.transfer_member", call=write, body=ms.TransferIn, answer=ms.TransferOut, status=201),
    Route("GET", "/api/v1/members/<id:member_id>/transfers", READERS, "组织关系转接记录",
          rpc="members.list_transfers", call=listing, answer=ms.TransferOut),
    Route("POST", "/api/v1/members/<id:member_id>/honors", BRANCH_WRITERS, "记录表彰", rpc="members.add_honor",
          call=write, body=ms.HonorIn, answer=ms.HonorOut, status=201),
    Route("GET", "/api/v1/honors", READERS, "表彰列表", rpc="members.list_honors", call=listing,
          query=ms.HonorFilters, answer=ms.HonorOut),
    Route("POST", "/api/v1/members/<id:member_id>/social-roles", BRANCH_WRITERS, "记录社会职务",
          rpc="members.add_social_role", call=write, body=ms.SocialRoleIn, answer=ms.SocialRoleOut, status=201),
    Route("GET", "/api/v1/members/<id:member_id>/social-roles", READERS, "社会职务列表",
          rpc="members.list_social_roles", call=listing, answer=ms.SocialRoleOut),
    Route("GET", "/api/v1/members/figures", READERS, "名册主要数字", rpc="members.headline_figures", call=view,
          query=ms.FiguresIn, answer=ms.FiguresOut),
    # Excel in and out: files travel to the service as base64
    Route("GET", "/api/v1/members/import-template", STAFF, "下载名册导入模板", rpc="members.import_template",
          call=import_template, answer=XLSX),
    Route("POST", "/api/v1/members/imports", STAFF, "上传名册 (导入任务, 202 后查询进度)",
          rpc="members.start_import", call=start_import, query=schemas.ImportQuery, body=XLSX, answer=ms.ImportJobOut,
          status=202, deadline=FILE_RPC_SECONDS),
    Route("GET", "/api/v1/members/imports/<id:job_id>", STAFF, "导入任务进度", rpc="members.get_import",
          call=fetch, answer=ms.ImportJobOut),
    Route("POST", "/api/v1/members/imports/<id:job_id>/cancel", STAFF, "取消导入任务 (已提交的行保留)",
          rpc="members.cancel_import", call=act, answer=ms.ImportJobOut),
    Route("GET", "/api/v1/members/imports/<id:job_id>/errors", STAFF, "导入错误行",
          rpc="members.list_import_errors", call=listing, answer=ms.ImportErrorOut),
    Route("GET", "/api/v1/members/imports/<id:job_id>/errors.xlsx", STAFF, "下载导入错误行",
          rpc="members.import_errors_workbook", call=import_errors_workbook, answer=XLSX,
          deadline=FILE_RPC_SECONDS),
    Route("GET", "/api/v1/members/export", READERS, "导出名册", rpc="members.export_members",
          call=export_members, query=ms.MemberFilters, answer=XLSX, deadline=FILE_RPC_SECONDS,
          audit="roster export"),
]
