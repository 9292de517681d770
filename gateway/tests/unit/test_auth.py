"""Passwords, tokens, the role table and the signing secret."""
import os
import stat
import time

import jwt
import pytest

from gateway import accounts, auth
from gateway.errors import Forbidden, Unauthorized
from gateway.routes import PERMISSIONS

SECRET = "unit-test-secret-of-enough-length-for-hs256"


def test_a_password_hash_verifies_the_password_and_nothing_else():
    hashed = auth.hash_password("正确的密码 right")
    assert "正确的密码" not in hashed and hashed.startswith("$argon2id$")
    assert auth.verify_password(hashed, "正确的密码 right")
    assert not auth.verify_password(hashed, "wrong")
    assert not auth.verify_password("not a hash", "anything")


def test_two_hashes_of_one_password_differ():
    assert auth.hash_password("same") != auth.hash_password("same")


def test_no_account_never_verifies():
    assert auth.verify_no_account("whatever") is False


def test_an_issued_token_names_its_caller():
    issued = auth.issue_token(SECRET, "李四", "staff")
    assert issued["token_type"] == "bearer"
    assert issued["expires_in"] == auth.TOKEN_SECONDS
    assert auth.read_token(SECRET, issued["access_token"]) == auth.Caller("李四", "staff")


def test_an_expired_token_is_refused():
    issued = auth.issue_token(SECRET, "admin", "admin", now=time.time() - auth.TOKEN_SECONDS - 5)
    with pytest.raises(Unauthorized, match="expired"):
        auth.read_token(SECRET, issued["access_token"])


def test_a_tampered_token_is_refused():
    token = auth.issue_token(SECRET, "staff1", "staff")["access_token"]
    header, claims, signature = token.split(".")
    forged_claims = jwt.encode({"sub": "staff1", "role": "admin", "iat": 1, "exp": 2**31}, "x").split(".")[1]
    for forged in (f"{header}.{forged_claims}.{signature}", token[:-2] + ("AA" if token[-2:] != "AA" else "BB")):
        with pytest.raises(Unauthorized):
            auth.read_token(SECRET, forged)


def test_a_token_signed_with_another_secret_or_unsigned_is_refused():
    other = auth.issue_token("another-secret-of-enough-length-for-hs256", "admin", "admin")["access_token"]
    unsigned = jwt.encode({"sub": "admin", "role": "admin", "iat": int(time.time()),
                           "exp": int(time.time()) + 60}, None, algorithm="none")
    for token in (other, unsigned, "garbage", ""):
        with pytest.raises(Unauthorized):
            auth.read_token(SECRET, token)


def test_a_token_without_a_role_is_refused():
    now = int(time.time())
    token = jwt.encode({"sub": "admin", "iat": now, "exp": now + 60}, SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized):
        auth.read_token(SECRET, token)


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic YWRtaW46eA==", "token abc"])
def test_a_missing_or_non_bearer_authorization_is_401(header):
    with pytest.raises(Unauthorized):
        auth.bearer_token(header)


def test_the_bearer_scheme_is_case_insensitive():
    assert auth.bearer_token("bearer abc.def.ghi") == "abc.def.ghi"


def test_public_routes_need_no_token():
    assert auth.authenticate(SECRET, PERMISSIONS["GET /health"], None) is None
    assert auth.authenticate(SECRET, PERMISSIONS["POST /api/v1/auth/token"], None) is None


def test_an_admin_may_call_every_api_route_and_each_role_the_routes_that_name_it():
    for role in auth.ROLES:
        token = "Bearer " + auth.issue_token(SECRET, "someone", role)["access_token"]
        for route, roles in PERMISSIONS.items():
            if roles is auth.PUBLIC:
                continue
            assert role != "admin" or role in roles, route
            if role in roles:
                assert auth.authenticate(SECRET, roles, token) == auth.Caller("someone", role)
            else:
                with pytest.raises(Forbidden):
                    auth.authenticate(SECRET, roles, token)


def test_a_viewer_changes_nothing_and_a_secretary_nothing_of_the_office():
    for route, roles in PERMISSIONS.items():
        method, path = route.split(" ", 1)
        # what every account does for itself: its password, the marks on its own to-do list
        if method != "GET" and roles is not auth.PUBLIC and path != "/api/v1/auth/password" \
                and not path.startswith("/api/v1/todos/"):
            assert "viewer" not in roles, route
        if path.startswith(("/api/v1/accounts", "/api/v1/audit-log", "/api/v1/funding/budgets",
                            "/api/v1/funding/expenses", "/api/v1/funding/ledger", "/api/v1/funding/policy",
                            "/api/v1/members/imports", "/api/v1/festival-batches")):
            assert "secretary" not in roles, route
        if method != "GET" and path.startswith(("/api/v1/funding/budgets", "/api/v1/funding/expenses")) \
                and not path.endswith("/reverse"):
            assert "approver" not in roles, route  # who approves money does not enter it


def test_only_an_admin_changes_the_funding_policy():
    assert PERMISSIONS["PUT /api/v1/funding/policy"] == auth.ADMIN == frozenset({"admin"})


def test_an_unknown_role_is_forbidden():
    token = "Bearer " + auth.issue_token(SECRET, "visitor", "guest")["access_token"]
    with pytest.raises(Forbidden):
        auth.authenticate(SECRET, PERMISSIONS["GET /api/v1/members"], token)


def test_a_route_missing_from_the_table_is_forbidden_to_everyone():
    token = "Bearer " + auth.issue_token(SECRET, "admin", "admin")["access_token"]
    with pytest.raises(Forbidden):
        auth.authenticate(SECRET, PERMISSIONS.get("DELETE /api/v1/members/<id:member_id>"), token)


def test_an_api_route_without_a_token_is_401_before_any_role_check():
    with pytest.raises(Unauthorized):
        auth.authenticate(SECRET, PERMISSIONS["GET /api/v1/members"], None)


def test_the_secret_comes_from_jwt_secret_when_set(monkeypatch, tmp_path):
    monkeypatch.setenv("WUJI_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("JWT_SECRET", "from-the-environment-32-characters")
    assert auth.signing_secret() == "from-the-environment-32-characters"
    assert not (tmp_path / auth.SECRET_FILE).exists()


def test_a_generated_secret_is_kept_private_and_reused(monkeypatch, tmp_path):
    monkeypatch.setenv("WUJI_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("JWT_SECRET", raising=False)
    first = auth.signing_secret()
    path = tmp_path / auth.SECRET_FILE
    assert len(first) >= 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert auth.signing_secret() == first
    assert os.listdir(tmp_path) == [auth.SECRET_FILE]  # no scratch file left behind


def test_a_short_jwt_secret_or_admin_password_stops_the_gateway_at_start(monkeypatch, tmp_path):
    monkeypatch.setenv("WUJI_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("JWT_SECRET", "x" * 31)
    with pytest.raises(ValueError, match="JWT_SECRET"):
        auth.signing_secret()
    with pytest.raises(ValueError, match="ADMIN_PASSWORD"):
        accounts.check_admin_password("short-11chr", "admin")
    with pytest.raises(ValueError, match="common"):
        accounts.check_admin_password("password1234", "admin")
    assert accounts.check_admin_password("twelve-chars", "admin") == "twelve-chars"
    assert accounts.check_admin_password(None, "admin") is None
