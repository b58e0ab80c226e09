"""Browser-facing hardening for every response: security headers, and CORS for configured origins.

The Content-Security-Policy fits the thin client (same-origin HTML, JS modules and CSS, fetches to
our own API, a WebRTC `<video>` and the camera and microphone for gestures and voice): nothing
inline, nothing from elsewhere. The API docs pages are the one exception: FastAPI's Swagger UI and
ReDoc pages load their bundles from jsDelivr (ReDoc its fonts from Google) and start with an inline
script, so those paths alone get a policy that allows exactly that. Headers a route sets itself win.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "APP_CSP",
    "DOCS_CSP",
    "HSTS",
    "PERMISSIONS_POLICY",
    "SecurityHeaders",
    "add_browser_security",
    "docs_paths",
]

APP_CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob: mediastream:",
        "connect-src 'self'",
        "font-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
_CDN = "https://cdn.jsdelivr.net"
DOCS_CSP = "; ".join(
    (
        "default-src 'self'",
        f"script-src 'self' 'unsafe-inline' {_CDN}",
        f"style-src 'self' 'unsafe-inline' {_CDN} https://fonts.googleapis.com",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "font-src 'self' https://fonts.gstatic.com",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PERMISSIONS_POLICY = (
    "camera=(self), microphone=(self), fullscreen=(self), geolocation=(), usb=(), browsing-topics=()"
)
HSTS = "max-age=31536000; includeSubDomains"
_COMMON: tuple[tuple[str, str], ...] = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", PERMISSIONS_POLICY),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers at response start, without buffering the body.

    Strict-Transport-Security only goes out over https (the scheme uvicorn reports, which behind a
    TLS-terminating proxy needs --proxy-headers): over plain http a browser ignores it anyway, and
    sending it from a development server on localhost would pin that name to https.
    """

    def __init__(self, app: ASGIApp, *, docs: Collection[str] = ()) -> None:
        self.app = app
        self.docs = frozenset(docs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [*_COMMON, ("Content-Security-Policy", DOCS_CSP if scope["path"] in self.docs else APP_CSP)]
        if scope.get("scheme") == "https":
            extra.append(("Strict-Transport-Security", HSTS))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def docs_paths(docs_url: str | None, redoc_url: str | None, oauth2_redirect_url: str | None) -> set[str]:
    """The paths of FastAPI's documentation pages (those that are enabled)."""
    paths = {p for p in (docs_url, redoc_url) if p}
    if docs_url and oauth2_redirect_url:
        paths.add(oauth2_redirect_url)
    return paths


def add_browser_security(app: FastAPI, cors_origins: Sequence[str]) -> None:
    """CORS (only when origins are configured) inside the security headers, so that preflight
    answers carry them too. Bearer tokens, not cookies: no credentials mode."""
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=["Retry-After"],
            max_age=600,
        )
    docs = docs_paths(app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url)
    app.add_middleware(SecurityHeaders, docs=docs)  # added last: the outer one
