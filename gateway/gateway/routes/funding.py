"""Subsidy checks, budgets, expenses, the ledger, the allocation policy, dues and
the year's statement (funding service)."""
from funding import schemas as fs
from marshmallow import fields

from gateway.auth import ADMIN, APPROVERS, BRANCH_WRITERS, OFFICE_READERS, READERS, STAFF
from gateway.routes.table import FILE_RPC_SECONDS, XLSX, Route, act, fetch, listing, view, write
from gateway.web import download
from wuji_infra.errors import InvalidInput
from wuji_infra.validation import load


class StatementFormatQuery(fs.StatementQuery):
    format = fields.String(metadata={"enum": ["json", "xlsx"], "description": "json (default) or an .xlsx file"})


def get_statement(c):
    chosen = dict(c.filters)
    kind = chosen.pop("format", "json")
    if kind == "json":
        return c.rpc(chosen)
    if kind == "xlsx":
        statement = c.call_rpc("funding.get_statement_xlsx", chosen)
        return download(statement["content_base64"], statement["filename"])
    raise InvalidInput("格式只能是 json 或 xlsx (format is json or xlsx)", {"format": ["json 或 xlsx (json or xlsx)"]})


def dues_sheet(c):
    """The branch's name from members (404: no such branch, or not one of a secretary's) titles the sheet."""
    chosen = load(fs.DuesSheetQuery(), c.filters)
    branch = c.call_rpc("members.get_branch", chosen["branch_id"])
    sheet = c.rpc(c.filters, branch["name"])
    return download(sheet["content_base64"], sheet["filename"])


ROUTES = [
    Route("GET", "/api/v1/subsidy-checks", READERS, "补助核查列表", rpc="funding.list_subsidy_checks",
          call=listing, query=fs.SubsidyCheckFilters, answer=fs.SubsidyCheckOut, audit="subsidy checks {filters}"),
    Route("GET", "/api/v1/subsidy-checks/<id:check_id>", READERS, "补助核查详情", rpc="funding.get_subsidy_check",
          call=fetch, answer=fs.SubsidyCheckOut, audit="subsidy check {check_id}"),
    Route("POST", "/api/v1/subsidy-checks/<id:check_id>/approve", APPROVERS, "批准补助",
          rpc="funding.approve_subsidy", call=act, answer=fs.SubsidyCheckOut, audit_write=True),
    Route("POST", "/api/v1/subsidy-checks/<id:check_id>/reject", APPROVERS, "不予补助",
          rpc="funding.reject_subsidy", call=write, body=fs.RejectionIn, answer=fs.SubsidyCheckOut, audit_write=True),
    Route("POST", "/api/v1/funding/budgets", STAFF, "录入预算", rpc="funding.add_budget", call=write,
          body=fs.BudgetIn, answer=fs.BudgetAddedOut, status=201, audit_write=True),
    Route("GET", "/api/v1/funding/budgets", OFFICE_READERS, "预算列表", rpc="funding.list_budgets", call=listing,
          query=fs.BudgetFilters, answer=fs.BudgetOut),
    Route("POST", "/api/v1/funding/budgets/<id:budget_id>/reverse", APPROVERS, "冲销预算",
          rpc="funding.reverse_budget", call=write, body=fs.RejectionIn, answer=fs.BudgetOut, audit_write=True),
    Route("GET", "/api/v1/funding/balances", OFFICE_READERS, "各经费来源余额", rpc="funding.get_balances", call=view,
          query=fs.BalancesQuery, answer=fs.BalancesOut),
    Route("POST", "/api/v1/funding/expenses", STAFF, "记支出", rpc="funding.book_expense", call=write,
          body=fs.ExpenseIn, answer=fs.ExpenseOut, status=201, audit_write=True),
    Route("GET", "/api/v1/funding/expenses/<id:expense_id>", OFFICE_READERS, "支出详情", rpc="funding.get_expense",
          call=fetch, answer=fs.ExpenseDetailOut),
    Route("POST", "/api/v1/funding/expenses/<id:expense_id>/reverse", APPROVERS, "冲销支出",
          rpc="funding.reverse_expense", call=write, body=fs.RejectionIn,
          answer=fs.ExpenseDetailOut, audit_write=True),
    Route("GET", "/api/v1/funding/ledger", OFFICE_READERS, "经费台账", rpc="funding.list_ledger", call=listing,
          query=fs.LedgerFilters, answer=fs.LedgerEntryOut),
    Route("GET", "/api/v1/funding/policy", OFFICE_READERS, "经费分配政策", rpc="funding.get_policy", call=fetch,
          answer=fs.PolicyOut, name="get_funding_policy"),
    # the allocation policy says where the money goes: only an admin changes it
    Route("PUT", "/api/v1/funding/policy", ADMIN, "修改经费分配政策 (管理员)", rpc="funding.set_policy",
          call=write, body=fs.PolicyIn, answer=fs.PolicyOut, name="set_funding_policy", audit_write=True),
    Route("GET", "/api/v1/funding/policy/history", OFFICE_READERS, "经费政策历次版本", rpc="funding.list_policy_history",
          call=listing, answer=fs.PolicyOut),
    Route("POST", "/api/v1/funding/dues/rates", STAFF, "核定年度党费", rpc="funding.fix_dues", call=write,
          body=fs.FixDuesIn, answer=fs.DuesFixedOut, audit_write=True),
    Route("GET", "/api/v1/funding/dues/rates", READERS, "党费标准", rpc="funding.list_dues_rates", call=listing,
          query=fs.ArrearsQuery, answer=fs.DuesRateOut),
    Route("POST", "/api/v1/funding/dues/adjustments", STAFF, "调整党费标准", rpc="funding.adjust_dues",
          call=write, body=fs.DuesAdjustmentIn, answer=fs.DuesRateOut, status=201, audit_write=True),
    Route("POST", "/api/v1/funding/dues/payments", BRANCH_WRITERS, "记党费缴纳", rpc="funding.pay_dues", call=write,
          body=fs.DuesPaymentIn, answer=fs.DuesPaymentOut, status=201, audit_write=True),
    Route("POST", "/api/v1/funding/dues/collections", BRANCH_WRITERS, "收缴一个支部一个月的党费",
          rpc="funding.collect_dues", call=write, body=fs.DuesCollectionIn, answer=fs.DuesCollectionOut,
          status=201, audit_write=True),
    Route("GET", "/api/v1/funding/dues/month", READERS, "一个支部一个月的党费 (逐人: 已缴, 应缴, 免缴)",
          rpc="funding.dues_of_month", call=view, query=fs.DuesMonthQuery, answer=fs.DuesMonthOut),
    # the dues sheet (党费收缴表): downloaded, filled in by the branch's treasurer, uploaded
    Route("GET", "/api/v1/funding/dues/sheet", BRANCH_WRITERS, "下载党费收缴表 (一个支部一年或一个月)",
          rpc=("funding.dues_sheet", "members.get_branch"), call=dues_sheet, query=fs.DuesSheetQuery, answer=XLSX,
          deadline=FILE_RPC_SECONDS),
    Route("POST", "/api/v1/funding/dues/sheet", BRANCH_WRITERS, "上传党费收缴表 (全表无误才记录)",
          rpc="funding.record_dues_sheet", call=write, body=XLSX, answer=fs.DuesSheetRecordedOut, status=201,
          deadline=FILE_RPC_SECONDS, audit_write=True),
    Route("GET", "/api/v1/funding/dues/payments", READERS, "党费缴纳记录", rpc="funding.list_dues_payments",
          call=listing, query=fs.ArrearsQuery, answer=fs.DuesPaymentOut),
    Route("GET", "/api/v1/funding/dues/arrears", READERS, "欠缴党费", rpc="funding.dues_arrears", call=listing,
          query=fs.ArrearsQuery, answer=fs.ArrearsOut),
    Route("GET", "/api/v1/funding/statement", OFFICE_READERS, "年度经费报表 (format=xlsx 下载)",
          rpc=("funding.get_statement", "funding.get_statement_xlsx"), call=get_statement,
          query=StatementFormatQuery, answer=fs.StatementOut),
    Route("GET", "/api/v1/funding/refused-expenses", OFFICE_READERS, "因经费不足未入账的支出",
          rpc="funding.list_refused_expenses", call=listing, query=fs.RefusedFilters, answer=fs.RefusedExpenseOut),
    Route("POST", "/api/v1/funding/refused-expenses/<id:refused_id>/book", STAFF, "补记未入账的支出",
          rpc="funding.book_refused_expense", call=act, answer=fs.RefusedExpenseOut, audit_write=True),
]
