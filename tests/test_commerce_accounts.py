"""Accounts over HTTP and in the service, on SQLite and PostgreSQL: registration, login, tokens that
expire, rotate and are revoked, and argon2 hashes that never leave the database."""

from __future__ import annotations

import base64
import json
import stat
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import jwt
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from commerce_api import accounts
from commerce_api.account_routes import accounts_router
from commerce_api.accounts import AccountPolicy, InvalidToken, persistent_secret
from commerce_api.db import make_engine, migrate, session_factory
from commerce_api.models import Account, RefreshToken
from holoshop.commerce_app import account_policy
from holoshop.config import Settings

PASSWORD = "correct horse battery"
# Real argon2id with small parameters, so the tests stay fast; the defaults are tested for rehashing.
CHEAP = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
POLICY = AccountPolicy(secret="test-secret-" + "k" * 40, hasher=CHEAP)


@pytest.fixture(scope="module")
def shop(module_database: str) -> Iterator[sessionmaker[Session]]:
    migrate(module_database)
    engine = make_engine(module_database)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def client(shop: sessionmaker[Session]) -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(accounts_router(shop, POLICY))
    with TestClient(app) as c:
        yield c


def _email() -> str:
    return f"shopper-{uuid.uuid4().hex[:12]}@example.com"


def _register(client: TestClient, email: str | None = None) -> tuple[str, dict[str, object]]:
    email = email or _email()
    response = client.post("/api/accounts/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return email, response.json()


def _login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/accounts/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


def _me(client: TestClient, access_token: str) -> httpx2.Response:
    response: httpx2.Response = client.get(
        "/api/accounts/me", headers={"Authorization": f"Bearer {access_token}"}
    )
    return response


def _refresh(client: TestClient, refresh_token: str) -> httpx2.Response:
    response: httpx2.Response = client.post("/api/accounts/refresh", json={"refresh_token": refresh_token})
    return response


def test_register_login_me(client: TestClient) -> None:
    email = f"Mixed.Case-{uuid.uuid4().hex[:8]}@Example.COM"
    _, account = _register(client, f"  {email} ")
    assert set(account) == {"id", "email", "is_staff", "created_at"}
    assert account["email"] == email.lower() and account["is_staff"] is False
    tokens = _login(client, email.upper())  # addresses match whatever their case
    assert tokens["token_type"] == "bearer" and int(tokens["expires_in"]) == 15 * 60
    me = _me(client, tokens["access_token"])
    assert me.status_code == 200, me.text
    assert me.json() == account


def test_duplicate_email_is_409(client: TestClient) -> None:
    email, _ = _register(client)
    again = client.post("/api/accounts/register", json={"email": email.upper(), "password": PASSWORD + "!"})
    assert again.status_code == 409, again.text


@pytest.mark.parametrize(
    "body",
    [
        {"email": "short@example.com", "password": "123456789"},
        {"email": "long@example.com", "password": "x" * 1025},
        {"email": "not-an-address", "password": PASSWORD},
        {"email": "two@@example.com", "password": PASSWORD},
        {"email": "spaces in@example.com", "password": PASSWORD},
        {"email": "x" * 250 + "@example.com", "password": PASSWORD},
        {"email": "extra@example.com", "password": PASSWORD, "is_staff": True},
        {"email": "missing@example.com"},
    ],
)
def test_invalid_registrations_are_422(client: TestClient, body: dict[str, object]) -> None:
    response = client.post("/api/accounts/register", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


def test_wrong_password_and_unknown_email_look_the_same(client: TestClient) -> None:
    email, _ = _register(client)
    wrong = client.post("/api/accounts/login", json={"email": email, "password": PASSWORD + "?"})
    unknown = client.post("/api/accounts/login", json={"email": _email(), "password": PASSWORD})
    short = client.post("/api/accounts/login", json={"email": email, "password": "x"})
    assert wrong.status_code == unknown.status_code == short.status_code == 401
    assert wrong.json() == unknown.json() == short.json() == {"detail": "invalid email or password"}


def test_me_needs_a_bearer_token(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer not.a.jwt"}):
        response = client.get("/api/accounts/me", headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_access_token_is_refused(
    client: TestClient, shop: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, account = _register(client)
    monkeypatch.setattr(accounts, "_now", lambda: datetime.now(UTC) - timedelta(minutes=16))
    with shop() as session:
        stale = accounts.issue_tokens(session, POLICY, int(str(account["id"])))
    monkeypatch.undo()
    response = _me(client, stale.access_token)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def _with_claims(token: str, **claims: object) -> str:
    """The token with its payload changed and the original signature kept: a forgery."""
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps(decoded | claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_tampered_or_foreign_tokens_are_refused(client: TestClient) -> None:
    email, account = _register(client)
    tokens = _login(client, email)
    access = tokens["access_token"]
    claims = jwt.decode(access, options={"verify_signature": False})
    now = int(datetime.now(UTC).timestamp())
    forgeries = [
        _with_claims(access, sub=str(int(str(account["id"])) + 1)),
        access[:-2] + ("AA" if not access.endswith("AA") else "BB"),  # signature changed
        jwt.encode(claims, "another-secret-" + "z" * 40, algorithm="HS256"),
        jwt.encode(claims, None, algorithm="none"),  # type: ignore[arg-type]
        tokens["refresh_token"],  # a refresh token is no access token
        jwt.encode(claims | {"sub": "999999999"}, POLICY.secret, algorithm="HS256"),  # no such account
        jwt.encode({"sub": claims["sub"], "type": "access", "exp": now + 60}, POLICY.secret) + "x",
        jwt.encode({"sub": claims["sub"], "type": "access"}, POLICY.secret),  # never expires
    ]
    for forged in forgeries:
        response = _me(client, forged)
        assert response.status_code == 401, forged
    assert _me(client, access).status_code == 200
    assert _refresh(client, access).status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_family(client: TestClient) -> None:
    email, account = _register(client)
    first = _login(client, email)
    elsewhere = _login(client, email)  # another device: same account, its own family member
    second_response = _refresh(client, first["refresh_token"])
    assert second_response.status_code == 200
    second = second_response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert _me(client, second["access_token"]).json() == account

    reused = _refresh(client, first["refresh_token"])  # spent: a thief or a replay
    assert reused.status_code == 401
    assert reused.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    # Every refresh token of the account is now revoked, the rotated one and the other device's too.
    assert _refresh(client, second["refresh_token"]).status_code == 401
    assert _refresh(client, elsewhere["refresh_token"]).status_code == 401
    # A fresh login starts a new family.
    assert _refresh(client, _login(client, email)["refresh_token"]).status_code == 200


def test_reuse_leaves_other_accounts_alone(client: TestClient) -> None:
    victim, _ = _register(client)
    bystander, _ = _register(client)
    spent = _login(client, victim)["refresh_token"]
    other = _login(client, bystander)["refresh_token"]
    assert _refresh(client, spent).status_code == 200
    assert _refresh(client, spent).status_code == 401
    assert _refresh(client, other).status_code == 200


def test_expired_refresh_token_is_refused(
    client: TestClient, shop: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, account = _register(client)
    monkeypatch.setattr(accounts, "_now", lambda: datetime.now(UTC) - timedelta(days=31))
    with shop() as session:
        stale = accounts.issue_tokens(session, POLICY, int(str(account["id"])))
    monkeypatch.undo()
    assert _refresh(client, stale.refresh_token).status_code == 401
    with shop() as session, pytest.raises(InvalidToken):
        accounts.refresh(session, POLICY, stale.refresh_token)


def test_logout_revokes_the_refresh_token(client: TestClient, shop: sessionmaker[Session]) -> None:
    email, _ = _register(client)
    tokens = _login(client, email)
    response = client.post("/api/accounts/logout", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 204 and response.content == b""
    assert _refresh(client, tokens["refresh_token"]).status_code == 401
    again = client.post("/api/accounts/logout", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 204  # logging out twice is no error
    forged = client.post("/api/accounts/logout", json={"refresh_token": tokens["access_token"]})
    assert forged.status_code == 401
    with shop() as session:
        jti = jwt.decode(tokens["refresh_token"], options={"verify_signature": False})["jti"]
        row = session.get(RefreshToken, jti)
        assert row is not None and row.revoked_at is not None and row.revoked_at.tzinfo is not None


def test_hashes_are_argon2_and_never_returned(client: TestClient, shop: sessionmaker[Session]) -> None:
    email, account = _register(client)
    tokens = _login(client, email)
    bodies = [account, _me(client, tokens["access_token"]).json(), tokens]
    with shop() as session:
        stored = session.scalar(select(Account.password_hash).where(Account.email == email))
    assert stored is not None and stored.startswith("$argon2id$")
    assert CHEAP.verify(stored, PASSWORD)
    for body in bodies:
        text = json.dumps(body)
        assert "argon2" not in text and "password" not in text and PASSWORD not in text
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert "password_hash" not in json.dumps(schemas)


def test_changed_hash_parameters_rehash_on_login(shop: sessionmaker[Session]) -> None:
    email = _email()
    stronger = AccountPolicy(secret=POLICY.secret, hasher=PasswordHasher())  # argon2's defaults
    with shop() as session:
        accounts.register(session, POLICY, email, PASSWORD)
        old = session.scalar(select(Account.password_hash).where(Account.email == email))
        assert old is not None and stronger.hasher.check_needs_rehash(old)
        accounts.authenticate(session, stronger, email, PASSWORD)
    with shop() as session:
        new = session.scalar(select(Account.password_hash).where(Account.email == email))
        assert new is not None and new != old and not stronger.hasher.check_needs_rehash(new)
        accounts.authenticate(session, stronger, email, PASSWORD)  # the new hash opens it too


def test_secret_is_kept_private_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "state" / "jwt-secret"
    first = persistent_secret(path)
    assert len(first) >= 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert persistent_secret(path) == first
    assert [p.name for p in path.parent.iterdir()] == ["jwt-secret"]  # no temporary left behind
    path.chmod(0o644)
    assert persistent_secret(path) == first and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_settings_take_the_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "s" * 40
    monkeypatch.setenv("HOLOSHOP_JWT_SECRET", secret)
    monkeypatch.setenv("HOLOSHOP_ACCESS_TOKEN_MINUTES", "5")
    settings = Settings()
    assert settings.jwt_secret == SecretStr(secret) and secret not in repr(settings)
    policy = account_policy(settings)
    assert policy.secret == secret and secret not in repr(policy)
    assert policy.access_ttl == timedelta(minutes=5) and policy.refresh_ttl == timedelta(days=30)
    monkeypatch.setenv("HOLOSHOP_JWT_SECRET", "too short")
    with pytest.raises(ValueError):
        Settings()
