"""Accounts: registration, argon2 password checks, and JWT access and refresh tokens.

Access tokens are short-lived and stateless (HS256: sub, type=access, iat, exp); refresh tokens carry
a `jti` recorded in `refresh_token`, so they can be revoked. A refresh rotates: the presented token
is revoked and a new pair issued. A revoked refresh token presented again means two parties hold
it (one of them a thief), so every refresh token of that account is revoked and both must log in.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import secrets
import stat
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commerce_api.models import Account, RefreshToken
from commerce_api.schemas import MAX_EMAIL, MAX_PASSWORD, MAX_TOKEN, MIN_PASSWORD, AccountRead, TokenPair

__all__ = [
    "DEFAULT_SECRET_PATH",
    "AccountPolicy",
    "EmailTaken",
    "InvalidCredentials",
    "InvalidRegistration",
    "InvalidToken",
    "access_account_id",
    "authenticate",
    "current_account",
    "issue_tokens",
    "login",
    "logout",
    "normalize_email",
    "persistent_secret",
    "refresh",
    "register",
]

log = logging.getLogger("holoshop.accounts")

DEFAULT_SECRET_PATH = Path(".holoshop/jwt-secret")
_ALGORITHM = "HS256"
# ASCII addresses: a local part of printable characters without '@', a domain of DNS labels (an
# internationalised domain arrives in its xn-- form). Deliverability is not checked.
_EMAIL = re.compile(r"^[!-?A-~]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


class InvalidRegistration(ValueError):
    """The email is not an address or the password is too short or too long; the API answers 422."""


class EmailTaken(Exception):
    """An account already has this email (case ignored); the API answers 409."""


class InvalidCredentials(Exception):
    """Unknown email or wrong password: deliberately one error, so neither can be told apart."""


class InvalidToken(Exception):
    """A token that is malformed, forged, expired, of the wrong type, revoked or for no account."""


@dataclass(frozen=True)
class AccountPolicy:
    """How tokens are signed and how long they live, and the hasher's parameters."""

    secret: str = field(repr=False)
    access_ttl: timedelta = timedelta(minutes=15)
    refresh_ttl: timedelta = timedelta(days=30)
    hasher: PasswordHasher = field(default_factory=PasswordHasher)


def _now() -> datetime:
    """The service's clock, one place for tests to move."""
    return datetime.now(UTC)


def normalize_email(email: str) -> str:
    """The address as stored: trimmed and lower-cased; InvalidRegistration when it is not one."""
    normalized = email.strip().lower()
    if len(normalized) > MAX_EMAIL or not _EMAIL.fullmatch(normalized):
        raise InvalidRegistration("not an email address")
    return normalized


def _read(account: Account) -> AccountRead:
    return AccountRead(
        id=account.id, email=account.email, is_staff=account.is_staff, created_at=account.created_at
    )


def register(session: Session, policy: AccountPolicy, email: str, password: str) -> AccountRead:
    """A new account with an argon2 hash of `password`; EmailTaken when the address is in use."""
    normalized = normalize_email(email)
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidRegistration(f"the password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    account = Account(email=normalized, password_hash=policy.hasher.hash(password), created_at=_now())
    session.add(account)
    try:
        session.commit()  # the unique index decides, so two racing registrations cannot both win
    except IntegrityError:
        session.rollback()
        raise EmailTaken(normalized) from None
    return _read(account)


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, policy: AccountPolicy, email: str, password: str) -> AccountRead:
    """The account these credentials open, or InvalidCredentials.

    An unknown email costs a verification against a dummy hash, so the answer takes about as long
    as for a wrong password. A hash made with older parameters is replaced while the password is
    at hand.
    """
    account = session.scalar(select(Account).where(Account.email == email.strip().lower()))
    if account is None:
        _verify(policy.hasher, _dummy_hash(policy.hasher), password)
        raise InvalidCredentials
    if not _verify(policy.hasher, account.password_hash, password):
        raise InvalidCredentials
    if policy.hasher.check_needs_rehash(account.password_hash):
        account.password_hash = policy.hasher.hash(password)
        session.commit()
    return _read(account)


def _encode(policy: AccountPolicy, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, policy.secret, algorithm=_ALGORITHM)


def _issue(session: Session, policy: AccountPolicy, account_id: int, now: datetime) -> TokenPair:
    """A new pair; its refresh token is recorded in the caller's transaction."""
    jti = secrets.token_urlsafe(32)
    expires_at = now + policy.refresh_ttl
    session.add(RefreshToken(jti=jti, account_id=account_id, expires_at=expires_at))
    subject = {"sub": str(account_id), "iat": int(now.timestamp())}
    access = _encode(policy, subject | {"type": "access", "exp": int((now + policy.access_ttl).timestamp())})
    refresh_token = _encode(
        policy, subject | {"type": "refresh", "jti": jti, "exp": int(expires_at.timestamp())}
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh_token,
        expires_in=int(policy.access_ttl.total_seconds()),
    )


def issue_tokens(session: Session, policy: AccountPolicy, account_id: int) -> TokenPair:
    pair = _issue(session, policy, account_id, _now())
    session.commit()
    return pair


def login(session: Session, policy: AccountPolicy, email: str, password: str) -> TokenPair:
    """A token pair for these credentials, or InvalidCredentials."""
    return issue_tokens(session, policy, authenticate(session, policy, email, password).id)


def _decode(policy: AccountPolicy, token: str, kind: str, *, verify_exp: bool = True) -> dict[str, Any]:
    """The claims of a token we signed, of this kind; InvalidToken otherwise."""
    if len(token) > MAX_TOKEN:
        raise InvalidToken("token too long")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            policy.secret,
            algorithms=[_ALGORITHM],  # never the algorithm the token names: no "none", no confusion
            options={"require": ["exp", "sub", "type"], "verify_exp": verify_exp},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from None
    if claims["type"] != kind or not str(claims["sub"]).isdigit():
        raise InvalidToken(f"not an {kind} token")
    if kind == "refresh" and not isinstance(claims.get("jti"), str):
        raise InvalidToken("refresh token without an id")
    return claims


def refresh(session: Session, policy: AccountPolicy, token: str) -> TokenPair:
    """A new pair for a live refresh token, which is revoked; a revoked one revokes its whole family."""
    claims = _decode(policy, token, "refresh")
    account_id, jti, now = int(claims["sub"]), claims["jti"], _now()
    # One conditional UPDATE: of two requests racing with the same token, exactly one wins.
    rotated = session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.jti == jti,
            RefreshToken.account_id == account_id,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
        )
        .values(revoked_at=now)
    )
    if cast(CursorResult[Any], rotated).rowcount != 1:
        session.rollback()
        known = session.get(RefreshToken, jti)
        if known is not None and known.revoked_at is not None:
            session.execute(
                update(RefreshToken)
                .where(RefreshToken.account_id == known.account_id, RefreshToken.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            session.commit()
            log.warning("revoked refresh token reused: every session of account %d ended", known.account_id)
        raise InvalidToken("refresh token revoked, expired or unknown")
    pair = _issue(session, policy, account_id, now)
    session.commit()
    return pair


def logout(session: Session, policy: AccountPolicy, token: str) -> None:
    """Revokes a refresh token we signed; an expired or already revoked one is no error."""
    claims = _decode(policy, token, "refresh", verify_exp=False)
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.jti == claims["jti"], RefreshToken.revoked_at.is_(None))
        .values(revoked_at=_now())
    )
    session.commit()


def access_account_id(policy: AccountPolicy, token: str) -> int:
    """The account an access token names, by its signature and expiry alone (no query): enough to
    attribute an event, never to authorise anything. InvalidToken when it is bad."""
    return int(_decode(policy, token, "access")["sub"])


def current_account(session: Session, policy: AccountPolicy, token: str) -> AccountRead:
    """The account an access token speaks for; InvalidToken when it is bad or the account is gone."""
    claims = _decode(policy, token, "access")
    account = session.get(Account, int(claims["sub"]))
    if account is None:
        raise InvalidToken("no such account")
    return _read(account)


def persistent_secret(path: Path = DEFAULT_SECRET_PATH) -> str:
    """The secret kept at `path`, made at random (mode 0600) the first time.

    Written to a private temporary file and hard-linked into place: a reader never sees half a
    secret, and of two processes starting together the first link wins and both use it.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".jwt-secret-")  # created 0600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as file:
                file.write(secrets.token_urlsafe(48))
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        log.warning("%s was readable by others; made private (0600)", path)
        path.chmod(0o600)
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < 32:
        raise ValueError(f"{path} holds no usable secret; delete it to have a new one made")
    return secret
