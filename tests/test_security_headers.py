"""Security headers on every response, a relaxed policy on the API docs pages only, HSTS only over
https, and CORS preflights for allowed and refused origins. The `slow` tests load the real thin
client and the docs page in headless Chromium and check that the policy blocks nothing they need."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, Route

from holoshop.commerce_app import create_commerce_app
from holoshop.config import Settings
from holoshop.security_headers import (
    APP_CSP,
    DOCS_CSP,
    HSTS,
    PERMISSIONS_POLICY,
    add_browser_security,
    docs_paths,
)
from tests.browser_harness import (
    chromium_browser,
    running_server,
    small_settings,
    wait_for_live_video,
)

ALLOWED = "https://shop.example"
COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": PERMISSIONS_POLICY,
    "cross-origin-opener-policy": "same-origin",
}


def _app(cors_origins: list[str]) -> FastAPI:
    app = FastAPI()

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return "<!doctype html><title>shop</title>"

    @app.get("/api/thing")
    def thing() -> dict[str, int]:
        return {"n": 1}

    @app.post("/api/thing")
    def make_thing() -> dict[str, int]:
        return {"n": 2}

    @app.get("/framed")
    def framed() -> PlainTextResponse:
        return PlainTextResponse("ok", headers={"X-Frame-Options": "SAMEORIGIN"})

    add_browser_security(app, cors_origins)
    return app


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(_app([ALLOWED])) as c:
        yield c


def _assert_common(headers: Any) -> None:
    for name, value in COMMON.items():
        assert headers[name] == value, name


@pytest.mark.parametrize("path", ["/", "/api/thing", "/no-such-page", "/openapi.json"])
def test_every_response_carries_the_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    _assert_common(response.headers)
    csp = response.headers["content-security-policy"]
    assert csp == APP_CSP
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp and "https:" not in csp
    assert "strict-transport-security" not in response.headers  # plain http


def test_app_policy_allows_what_the_thin_client_needs() -> None:
    directives = dict(d.split(" ", 1) for d in APP_CSP.split("; "))
    assert directives["script-src"] == "'self'"  # JS modules from /static, nothing inline
    assert directives["connect-src"] == "'self'"  # /rtc/offer, /rtc/config, /api/*
    assert "mediastream:" in directives["media-src"] and "blob:" in directives["media-src"]
    assert directives["object-src"] == "'none'"
    assert "camera=(self)" in PERMISSIONS_POLICY and "microphone=(self)" in PERMISSIONS_POLICY


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_docs_pages_alone_may_load_their_cdn(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    _assert_common(response.headers)
    csp = response.headers["content-security-policy"]
    assert csp == DOCS_CSP and "https://cdn.jsdelivr.net" in csp and "frame-ancestors 'none'" in csp
    # Every script and stylesheet the page names is allowed by its policy.
    assert "cdn.jsdelivr.net" in response.text or path.endswith("oauth2-redirect")
    assert "cdn.jsdelivr.net" not in client.get("/").headers["content-security-policy"]


def test_docs_paths_follow_the_app() -> None:
    assert docs_paths("/docs", "/redoc", "/docs/oauth2-redirect") == {
        "/docs",
        "/redoc",
        "/docs/oauth2-redirect",
    }
    assert docs_paths(None, None, "/docs/oauth2-redirect") == set()
    app = FastAPI(docs_url="/api/docs", redoc_url=None)
    add_browser_security(app, [])
    with TestClient(app) as c:
        assert c.get("/api/docs").headers["content-security-policy"] == DOCS_CSP
        assert c.get("/docs").headers["content-security-policy"] == APP_CSP  # a 404 now


def test_hsts_only_over_https() -> None:
    with TestClient(_app([]), base_url="https://shop.example") as secure:
        response = secure.get("/api/thing")
        assert response.headers["strict-transport-security"] == HSTS
        _assert_common(response.headers)


def test_a_routes_own_header_wins(client: TestClient) -> None:
    response = client.get("/framed")
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert response.headers["x-content-type-options"] == "nosniff"


def _preflight(client: TestClient, origin: str, method: str = "POST", headers: str = "authorization") -> Any:
    return client.options(
        "/api/thing",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )


def test_allowed_origin_preflight(client: TestClient) -> None:
    response = _preflight(client, ALLOWED, headers="authorization, content-type")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers and "content-type" in allowed_headers
    assert "access-control-allow-credentials" not in response.headers  # Bearer tokens, not cookies
    _assert_common(response.headers)  # preflights get the security headers too
    simple = client.post("/api/thing", headers={"Origin": ALLOWED})
    assert simple.status_code == 200 and simple.headers["access-control-allow-origin"] == ALLOWED
    assert simple.headers["access-control-expose-headers"] == "Retry-After"


def test_refused_origin_preflight(client: TestClient) -> None:
    for origin in ("https://evil.example", "https://shop.example.evil.example", "http://shop.example"):
        response = _preflight(client, origin)
        assert response.status_code == 400, origin
        assert "access-control-allow-origin" not in response.headers
        simple = client.get("/api/thing", headers={"Origin": origin})
        assert simple.status_code == 200 and "access-control-allow-origin" not in simple.headers
    assert _preflight(client, ALLOWED, method="TRACE").status_code == 400
    assert _preflight(client, ALLOWED, headers="x-custom").status_code == 400


def test_no_origins_means_same_origin_only() -> None:
    with TestClient(_app([])) as c:
        response = _preflight(c, ALLOWED)
        assert response.status_code == 405  # no CORS layer: the preflight is just an OPTIONS request
        assert "access-control-allow-origin" not in response.headers
        assert "access-control-allow-origin" not in c.get("/api/thing", headers={"Origin": ALLOWED}).headers


# --- in a real browser -----------------------------------------------------------------------------

# Records every CSP violation the page reports; installed before any of the page's own scripts run.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(`${e.effectiveDirective} ${e.blockedURI}`));
"""


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_server(small_settings()) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.add_init_script(RECORD_VIOLATIONS)
    yield page
    context.close()


@pytest.mark.slow
def test_thin_client_streams_under_the_policy(page: Page, base_url: str) -> None:
    response = page.goto(f"{base_url}/")
    assert response is not None and response.headers["content-security-policy"] == APP_CSP
    wait_for_live_video(page, timeout_s=30)  # signaling, WebRTC and the <video> all work
    assert page.evaluate("() => window.__csp") == []
    allowed = page.evaluate(
        "() => ['camera', 'microphone', 'geolocation'].map((f) => document.featurePolicy.allowsFeature(f))"
    )
    assert allowed == [True, True, False]
    # The recorder works: an inline script, which an injected one would be, is blocked and reported.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; "
        "document.body.append(s); }"
    )
    page.wait_for_function("() => window.__csp.length > 0")
    assert page.evaluate("() => window.x") is None
    assert page.evaluate("() => window.__csp")[0].startswith("script-src-elem inline")


@pytest.mark.slow
def test_docs_page_runs_under_its_policy(page: Page, base_url: str) -> None:
    """Swagger UI's bundle from the CDN (stubbed here: the tests have no internet) and its inline
    start-up script both run; the CDN request itself is what the policy has to allow."""
    cdn: list[str] = []

    def stub(route: Route) -> None:
        cdn.append(route.request.url)
        if route.request.url.endswith(".js"):
            body = "window.SwaggerUIBundle = (c) => { window.__swagger = c.url; return {}; };"
            body += "SwaggerUIBundle.presets = { apis: {} }; SwaggerUIBundle.SwaggerUIStandalonePreset = {};"
            route.fulfill(body=body, content_type="application/javascript")
        else:
            route.fulfill(body="body { margin: 0 }", content_type="text/css")

    page.route("https://cdn.jsdelivr.net/**", stub)
    page.route("https://fastapi.tiangolo.com/**", lambda route: route.fulfill(status=204))
    response = page.goto(f"{base_url}/docs")
    assert response is not None and response.headers["content-security-policy"] == DOCS_CSP
    page.wait_for_function("() => window.__swagger !== undefined")
    assert page.evaluate("() => window.__swagger") == "/openapi.json"
    assert any(u.endswith("swagger-ui-bundle.js") for u in cdn) and any(u.endswith(".css") for u in cdn)
    assert page.evaluate("() => window.__csp") == []


def test_the_commerce_service_alone_is_wired_the_same() -> None:
    """`holoshop commerce` (distributed mode): headers, CORS, the admin API and both rate limits."""
    app = create_commerce_app(Settings(cors_origins=[ALLOWED]))
    c = TestClient(app, client=("192.0.2.77", 1))  # not entered: no lifespan, no catalog to build
    _assert_common(c.get("/healthz").headers)
    assert c.get("/docs").headers["content-security-policy"] == DOCS_CSP
    assert _preflight(c, ALLOWED).headers["access-control-allow-origin"] == ALLOWED
    assert c.post("/api/admin/products", json={}).status_code == 401
    statuses = [c.post("/api/checkout", json={}).status_code for _ in range(21)]
    assert statuses == [422] * 20 + [429]
