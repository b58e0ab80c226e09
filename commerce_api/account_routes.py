"""The accounts API under /api/accounts: status codes and headers here, the logic in accounts.py."""

# No `from __future__ import annotations`: FastAPI must see the router-local aliases at definition.

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from commerce_api import accounts, carts
from commerce_api.accounts import (
    AccountPolicy,
    EmailTaken,
    InvalidCredentials,
    InvalidRegistration,
    InvalidToken,
)
from commerce_api.bearer import BAD_TOKEN, unauthorized
from commerce_api.cart_cache import CartCache
from commerce_api.carts import CartForbidden, CartNotFound
from commerce_api.rate_limit import RATE_LIMITED_RESPONSE, RateLimit
from commerce_api.schemas import AccountRead, LoginRequest, RefreshRequest, RegisterRequest, TokenPair

__all__ = ["accounts_router"]

_BAD_CREDENTIALS = "invalid email or password"
_UNAUTHORIZED: dict[int | str, dict[str, Any]] = {401: {"description": BAD_TOKEN}}


def accounts_router(
    sessions: sessionmaker[Session],
    policy: AccountPolicy,
    cart_cache: CartCache | None = None,
    login_limit: RateLimit | None = None,
) -> APIRouter:
    router = APIRouter(prefix="/api/accounts", tags=["accounts"])
    bearer = HTTPBearer(auto_error=False, description="an access token from /api/accounts/login")

    # Each endpoint opens its session in its own body (see routes.py): a yield dependency's close
    # runs in a separate threadpool hop that a cancelled request skips, leaking the connection.
    Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

    @router.post(
        "/register",
        status_code=201,
        response_model=AccountRead,
        responses={409: {"description": "the email is taken"}, 422: {"description": "not an email"}},
    )
    def register(body: RegisterRequest) -> AccountRead:
        try:
            with sessions() as db:
                return accounts.register(db, policy, body.email, body.password)
        except InvalidRegistration as exc:
            raise HTTPException(422, str(exc)) from None
        except EmailTaken:
            raise HTTPException(409, "an account with this email exists") from None

    @router.post(
        "/login",
        response_model=TokenPair,
        responses={401: {"description": _BAD_CREDENTIALS}, **RATE_LIMITED_RESPONSE},
        dependencies=[Depends(login_limit)] if login_limit else [],
    )
    def login(body: LoginRequest) -> TokenPair:
        """An access token (Bearer, minutes) and a refresh token (days) for an email and password.

        With a `cart_token`, that guest cart's items move into the account's cart; a token that is
        unknown (e.g. merged already) or another account's never fails the login.
        """
        with sessions() as db:
            try:
                account = accounts.authenticate(db, policy, body.email, body.password)
            except InvalidCredentials:
                raise unauthorized(_BAD_CREDENTIALS, "Bearer") from None
            pair = accounts.issue_tokens(db, policy, account.id)
            if body.cart_token is not None:
                with contextlib.suppress(CartNotFound, CartForbidden):
                    carts.merge_carts(db, body.cart_token, account.id, cache=cart_cache)
            return pair

    @router.post("/refresh", response_model=TokenPair, responses=_UNAUTHORIZED)
    def refresh(body: RefreshRequest) -> TokenPair:
        """A new pair; the refresh token presented is spent, and presenting it again ends every session."""
        try:
            with sessions() as db:
                return accounts.refresh(db, policy, body.refresh_token)
        except InvalidToken:
            raise unauthorized() from None

    @router.post("/logout", status_code=204, response_class=Response, responses=_UNAUTHORIZED)
    def logout(body: RefreshRequest) -> Response:
        """Revokes the refresh token; the access token lapses by itself within minutes."""
        try:
            with sessions() as db:
                accounts.logout(db, policy, body.refresh_token)
        except InvalidToken:
            raise unauthorized() from None
        return Response(status_code=204)

    @router.get("/me", response_model=AccountRead, responses=_UNAUTHORIZED)
    def me(credentials: Bearer) -> AccountRead:
        """The account of the Bearer access token."""
        if credentials is None:
            raise unauthorized("a Bearer access token is required", "Bearer")
        try:
            with sessions() as db:
                return accounts.current_account(db, policy, credentials.credentials)
        except InvalidToken:
            raise unauthorized() from None

    return router
