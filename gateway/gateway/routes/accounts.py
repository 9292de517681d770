"""The gateway's own database: logging in, passwords, accounts (admins only)."""
from gateway import addresses, audit, errors, handlers, schemas
from gateway.auth import ADMIN, ANY_ACCOUNT, PUBLIC
from gateway.errors import TooManyAttempts, Unauthorized
from gateway.routes.table import Route
from wuji_infra import config
from wuji_infra.types import utc_now


def issue_token(c):
    # every login and failed login is recorded (a malformed body names nobody: it is not)
    address = addresses.client_address(c.request, addresses.trusted_proxies(config.env("TRUSTED_PROXIES")))
    try:
        account = handlers.log_in(c.service.db, c.body, utc_now(), address)
    except (Unauthorized, TooManyAttempts) as exc:
        status, _ = errors.describe(exc)
        audit.record(c.service.db, c.request, c.route.name, status, c.body["username"])
        raise
    audit.record(c.service.db, c.request, c.route.name, 200, account.username, account.role)
    return c.service.tokens(account.username, account.role, account.version)


def own_account(c):
    with c.service.db.read() as session:
        return handlers.own_account(session, c.actor)


def change_own_password(c):
    return c.transaction(handlers.change_own_password, c.actor, c.body, utc_now())


def create_account(c):
    return c.transaction(handlers.create_account, c.body, c.actor)


def list_accounts(c):
    with c.service.db.read() as session:
        return handlers.list_accounts(session, c.filters, c.page, c.page_size)


def update_account(c):
    return c.transaction(handlers.update_account, *c.ids, c.body, c.actor)


def set_password(c):
    return c.transaction(handlers.set_password, *c.ids, c.body, c.actor)


ROUTES = [
    Route("POST", "/api/v1/auth/token", PUBLIC, "登录, 取得令牌", name="issue_token", call=issue_token,
          body=schemas.TokenIn, answer=schemas.TokenOut),
    Route("GET", "/api/v1/auth/me", ANY_ACCOUNT, "当前账号 (姓名, 角色, 所管支部)", name="own_account",
          call=own_account, answer=schemas.AccountOut),
    # each changes its own password; only admins make and change accounts
    Route("POST", "/api/v1/auth/password", ANY_ACCOUNT, "修改自己的密码", name="change_own_password",
          call=change_own_password, body=schemas.PasswordChange, answer=schemas.ChangedOut, audit_write=True),
    Route("POST", "/api/v1/accounts", ADMIN, "新建账号", name="create_account", call=create_account,
          body=schemas.AccountIn, answer=schemas.AccountOut, status=201, audit_write=True),
    Route("GET", "/api/v1/accounts", ADMIN, "账号列表", name="list_accounts", call=list_accounts,
          query=schemas.AccountsQuery, answer=schemas.AccountOut, paged=True),
    Route("PATCH", "/api/v1/accounts/<id:account_id>", ADMIN, "修改账号 (角色, 姓名, 停用)",
          name="update_account", call=update_account, body=schemas.AccountChange, answer=schemas.AccountOut,
          audit_write=True),
    Route("POST", "/api/v1/accounts/<id:account_id>/password", ADMIN, "管理员重设账号密码",
          name="set_password", call=set_password, body=schemas.PasswordSet, answer=schemas.ChangedOut,
          audit_write=True),
]
