"""Bearer access tokens at the API's edge: the one 401 every router answers, and the optional
account of a request (none without a token; a bad token refused, never ignored)."""

from __future__ import annotations

from fastapi import HTTPException
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.orm import Session

from commerce_api import accounts
from commerce_api.accounts import AccountPolicy, InvalidToken

__all__ = ["BAD_TOKEN", "INVALID_TOKEN", "optional_account_id", "unauthorized"]

BAD_TOKEN = "invalid or expired token"
INVALID_TOKEN = 'Bearer error="invalid_token"'  # the WWW-Authenticate challenge for a bad token


def unauthorized(detail: str = BAD_TOKEN, challenge: str = INVALID_TOKEN) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": challenge})


def optional_account_id(
    db: Session, policy: AccountPolicy, credentials: HTTPAuthorizationCredentials | None
) -> int | None:
    """The Bearer token's account, None without one; a bad token is a 401."""
    if credentials is None:
        return None
    try:
        return accounts.current_account(db, policy, credentials.credentials).id
    except InvalidToken:
        raise unauthorized() from None
