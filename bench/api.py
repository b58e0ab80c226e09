"""Benchmark: the shop API on PostgreSQL, one server process, 50 concurrent keep-alive clients.

What it does: creates a fresh schema in the PostgreSQL database given by --database-url (dropped
afterwards), starts ONE server process (uvicorn with `holoshop.server.create_app`, render node off:
HOLOSHOP_RENDER=false, no access log) on a free port, waits for /readyz (the demo catalog is seeded
on start), then drives each scenario with --connections closed-loop clients for --duration seconds
after a short warm-up, and prints requests per second and p50/p90/p99 latency beside the issue's
targets (listing and search: >= 800 req/s with p99 < 25 ms; checkout: >= 100 req/s, p99 < 100 ms).

Scenarios: `listing` GET /api/catalog/products?limit=20; `search` GET /api/search?q=WORD over a
few words in turn; `add-to-cart` POST /api/carts/{token}/items (the carts made beforehand);
`checkout` POST /api/checkout, each request with its own prepared cart and Idempotency-Key (stock
raised first with SQL on the bench schema). A scenario whose endpoint answers 404 is skipped.

Load: `wrk` (C, event loop; `apt-get install wrk`) with a Lua script that cycles through a list of
prepared requests and reports latency percentiles; without wrk, a lean asyncio raw-socket
HTTP/1.1 keep-alive client in this file (it costs more CPU, which the server then lacks).

Statements per request: PostgreSQL's pg_stat_statements needs shared_preload_libraries (a server
restart), so instead one request of each scenario is replayed in this process against the same
schema through the same app (`create_app` under Starlette's TestClient), with a SQLAlchemy
`before_cursor_execute` listener on every Engine counting the statements it sends (BEGIN/COMMIT
are counted apart, as transactions).

Little's law: with N closed-loop clients, mean latency = N / throughput, so at 50 connections a
p99 under 25 ms needs well over 2000 req/s. On a shared 2-core machine the load generator and
the server compete for the same cores: figures are noisy; run it more than once.
Run with `python bench/api.py --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, event, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.net import free_port  # noqa: E402
from tests.pg_schema import scratch_schema  # noqa: E402

__all__ = ["Figures", "Req", "main"]

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCENARIOS = ("listing", "search", "add-to-cart", "checkout")
TARGETS: dict[str, tuple[float | None, float | None]] = {  # (req/s at least, p99 ms under)
    "listing": (800, 25),
    "search": (800, 25),
    "add-to-cart": (None, None),
    "checkout": (100, 100),
}
SEARCH_WORDS = ("chair", "lamp", "oak", "sofa", "speaker", "mug", "headphones", "sneaker", "vase", "bottle")
ADDRESS = {"name": "Bench Mark", "line1": "1 Load Street", "city": "Berlin", "postal_code": "10115"}


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    body: str = ""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Figures:
    scenario: str
    requests: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    statements: float | None = None
    transactions: float | None = None
    replayed: int = 0  # requests sent again after the prepared ones ran out (unique scenarios)
    skipped: str | None = None
    tool: str = ""
    notes: list[str] = field(default_factory=list)


# --- the database and the server -----------------------------------------------------------------


def server_env(db_url: str, folder: Path) -> dict[str, str]:
    return os.environ | {
        "HOLOSHOP_DATABASE_URL": db_url,
        "HOLOSHOP_RENDER": "false",
        "HOLOSHOP_JWT_SECRET": secrets.token_urlsafe(48),
        "HOLOSHOP_THUMBNAILS_DIR": str(folder / "thumbnails"),
        # Every simulated client comes from 127.0.0.1: the per-address checkout limit would
        # measure the limiter, not the shop.
        "HOLOSHOP_CHECKOUT_RATE_LIMIT": "100000000/minute",
    }


def serve(port: int) -> None:
    """The server process: the app from the environment's settings, one process, no access log."""
    import uvicorn

    from holoshop.config import Settings
    from holoshop.server import create_app

    app = create_app(Settings())
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


@contextlib.contextmanager
def server(db_url: str, folder: Path, port: int, timeout: float = 180.0) -> Iterator[subprocess.Popen[bytes]]:
    log = (folder / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)],
        env=server_env(db_url, folder),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"the server exited: see {folder / 'server.log'}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("the server did not become ready")
            time.sleep(0.3)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


# --- preparing each scenario's requests -----------------------------------------------------------


def _json_req(method: str, path: str, body: object, *headers: tuple[str, str]) -> Req:
    return Req(method, path, json.dumps(body), (("Content-Type", "application/json"), *headers))


async def _new_carts(client: httpx.AsyncClient, count: int, items: Sequence[dict[str, Any]]) -> list[str]:
    """`count` guest carts, each holding the item at its index in `items` (cycled); empty if none."""
    gate = asyncio.Semaphore(32)

    async def one(i: int) -> str:
        async with gate:
            made = await client.post("/api/carts")
            made.raise_for_status()
            token: str = made.json()["token"]
            if items:
                added = await client.post(f"/api/carts/{token}/items", json=items[i % len(items)])
                added.raise_for_status()
            return token

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def _products(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    page = (await client.get("/api/catalog/products", params={"limit": 100})).json()
    items: list[dict[str, Any]] = page["items"]
    return items


async def _missing(client: httpx.AsyncClient, method: str, path: str) -> bool:
    """True when the route does not exist (404 from the router, or 405 for a path with other methods)."""
    response = await client.request(method, path, json={})
    return response.status_code in (404, 405) and response.json().get("detail") in ("Not Found", None, "")


def raise_stock(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE variant SET stock = 1000000000"))
    engine.dispose()


async def prepare(scenario: str, base: str, db_url: str, args: argparse.Namespace) -> list[Req] | str:
    """The requests to cycle through, or why the scenario is skipped."""
    if scenario == "listing":
        return [Req("GET", "/api/catalog/products?limit=20")]
    if scenario == "search":
        return [Req("GET", f"/api/search?q={word}") for word in SEARCH_WORDS]
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        if await _missing(client, "POST", "/api/carts"):
            return "POST /api/carts answers 404: carts are not merged yet"
        products = await _products(client)
        lines = [{"product_id": p["id"], "variant_index": 0, "quantity": 1} for p in products]
        raise_stock(db_url)
        if scenario == "add-to-cart":
            tokens = await _new_carts(client, max(4 * args.connections, 200), ())
            return [
                _json_req("POST", f"/api/carts/{token}/items", lines[i % len(lines)])
                for i, token in enumerate(tokens)
            ]
        if await _missing(client, "POST", "/api/checkout"):
            return "POST /api/checkout answers 404: checkout is not merged yet"
        count = args.checkout_carts or int(3 * (TARGETS["checkout"][0] or 100) * args.duration)
        print(f"  preparing {count} carts for checkout ...", file=sys.stderr, flush=True)
        tokens = await _new_carts(client, count, lines)
        return [
            _json_req("POST", "/api/checkout", checkout_body(token, i), ("Idempotency-Key", uuid.uuid4().hex))
            for i, token in enumerate(tokens)
        ]


def checkout_body(token: str, i: int) -> dict[str, Any]:
    return {
        "cart_token": token,
        "email": f"bench{i}@example.com",
        "address": ADDRESS | {"country": "DE"},
        "shipping_option": "standard",
        "payment_method": "pm_card_visa",
    }


# --- load: wrk, or the asyncio client -------------------------------------------------------------

WRK_SCRIPT = r"""
local formatted, counter, nthreads = {}, 0, 1
wrapped = 0  -- global: done() reads it from each thread
local threads, next_id = {}, 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(args[2])
  local f = assert(io.open(args[1], "r"))
  for line in f:lines() do
    local method, path, hdrs, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {}
    for k, v in hdrs:gmatch("([^:;]+):([^;]*)") do headers[k] = v end
    if body == "" then body = nil end
    table.insert(formatted, wrk.format(method, path, headers, body))
  end
  f:close()
  counter = thread_id
end

function request()
  if counter >= #formatted then wrapped = wrapped + 1 end
  local r = formatted[(counter % #formatted) + 1]
  counter = counter + nthreads
  return r
end

function done(summary, latency, requests)
  local replayed = 0
  for _, t in ipairs(threads) do replayed = replayed + t:get("wrapped") end
  local e = summary.errors
  io.write(string.format(
    '\nBENCH-JSON {"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "replayed": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), replayed))
end
"""


def _requests_file(reqs: Sequence[Req], folder: Path) -> Path:
    path = folder / "requests.tsv"
    with path.open("w") as f:
        for r in reqs:
            headers = ";".join(f"{k}:{v}" for k, v in r.headers)
            f.write(f"{r.method}\t{r.path}\t{headers}\t{r.body}\n")
    return path


def run_wrk(
    base: str, reqs: Sequence[Req], seconds: float, connections: int, folder: Path
) -> dict[str, float]:
    script = folder / "bench.lua"
    script.write_text(WRK_SCRIPT)
    threads = min(2, connections)
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
        "-s", str(script), base, "--", str(_requests_file(reqs, folder)), str(threads),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH-JSON ")), None)
    if done.returncode or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    raw = json.loads(line.removeprefix("BENCH-JSON "))
    return {
        "requests": raw["requests"],
        "seconds": raw["duration_us"] / 1e6,
        "errors": raw["errors"] + raw["status_errors"],
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "replayed": raw["replayed"],
    }


async def _client(
    host: str, port: int, wire: Sequence[bytes], start: int, step: int, until: float, out: list[float]
) -> tuple[int, int]:
    """One keep-alive connection sending wire[start], wire[start+step], ...; (errors, replayed)."""
    reader, writer = await asyncio.open_connection(host, port)
    errors = replayed = 0
    i = start
    try:
        while time.perf_counter() < until:
            if i >= len(wire):
                replayed += 1
            t0 = time.perf_counter()
            writer.write(wire[i % len(wire)])
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            out.append(time.perf_counter() - t0)
            errors += not 200 <= status < 400
            i += step
    finally:
        writer.close()
    return errors, replayed


def run_asyncio(base: str, reqs: Sequence[Req], seconds: float, connections: int) -> dict[str, float]:
    url = httpx.URL(base)
    host, port = url.host, url.port or 80
    wire = []
    for r in reqs:
        head = [f"{r.method} {r.path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(r.body)}"]
        head += [f"{k}: {v}" for k, v in r.headers]
        wire.append(("\r\n".join(head) + "\r\n\r\n" + r.body).encode())

    async def all_clients() -> tuple[list[float], int, int, float]:
        latencies: list[float] = []
        started = time.perf_counter()
        until = started + seconds
        done = await asyncio.gather(
            *(_client(host, port, wire, c, connections, until, latencies) for c in range(connections))
        )
        return latencies, sum(e for e, _ in done), sum(r for _, r in done), time.perf_counter() - started

    latencies, errors, replayed, elapsed = asyncio.run(all_clients())
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[max(0, math.ceil(p / 100 * len(latencies)) - 1)] * 1000 if latencies else 0.0

    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "errors": errors,
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "replayed": replayed,
    }


# --- statements per request, counted in this process ----------------------------------------------


def count_statements(db_url: str, folder: Path, scenarios: Sequence[str]) -> dict[str, tuple[float, float]]:
    """(statements, transactions) that one request of each scenario costs, through the same app."""
    from fastapi.testclient import TestClient

    from holoshop.config import Settings
    from holoshop.server import create_app

    counts = {"statements": 0, "transactions": 0}

    def on_statement(*_: object) -> None:
        counts["statements"] += 1

    def on_commit(*_: object) -> None:
        counts["transactions"] += 1

    env = server_env(db_url, folder)
    settings = Settings(
        database_url=db_url, render=False, jwt_secret=env["HOLOSHOP_JWT_SECRET"],
        thumbnails_dir=Path(env["HOLOSHOP_THUMBNAILS_DIR"]),
    )  # fmt: skip
    results: dict[str, tuple[float, float]] = {}
    with TestClient(create_app(settings)) as client:
        products = client.get("/api/catalog/products", params={"limit": 1}).json()["items"]
        line = {"product_id": products[0]["id"], "variant_index": 0, "quantity": 1}
        for scenario in scenarios:
            token = ""
            if scenario in ("add-to-cart", "checkout"):
                made = client.post("/api/carts")
                if made.status_code in (404, 405):
                    continue
                token = made.json()["token"]
                if scenario == "checkout":
                    client.post(f"/api/carts/{token}/items", json=line)
            samples = []
            for i in range(3):
                counts.update(statements=0, transactions=0)
                event.listen(Engine, "before_cursor_execute", on_statement)
                event.listen(Engine, "commit", on_commit)
                try:
                    if scenario == "listing":
                        response = client.get("/api/catalog/products", params={"limit": 20})
                    elif scenario == "search":
                        response = client.get("/api/search", params={"q": SEARCH_WORDS[i]})
                    elif scenario == "add-to-cart":
                        response = client.post(f"/api/carts/{token}/items", json=line)
                    else:
                        key = {"Idempotency-Key": uuid.uuid4().hex}
                        response = client.post("/api/checkout", json=checkout_body(token, i), headers=key)
                finally:
                    event.remove(Engine, "before_cursor_execute", on_statement)
                    event.remove(Engine, "commit", on_commit)
                if response.status_code == 404:
                    break
                samples.append((counts["statements"], counts["transactions"]))
                if scenario == "checkout":  # one cart buys once: the next sample needs a new one
                    token = client.post("/api/carts").json()["token"]
                    client.post(f"/api/carts/{token}/items", json=line)
            if samples:
                results[scenario] = (
                    sum(s for s, _ in samples) / len(samples),
                    sum(t for _, t in samples) / len(samples),
                )
    return results


# --- the whole run ---------------------------------------------------------------------------------


def measure(scenario: str, base: str, db_url: str, folder: Path, args: argparse.Namespace) -> Figures:
    figures = Figures(scenario)
    prepared = asyncio.run(prepare(scenario, base, db_url, args))
    if isinstance(prepared, str):
        figures.skipped = prepared
        return figures
    use_wrk = shutil.which("wrk") is not None and not args.no_wrk
    figures.tool = "wrk" if use_wrk else "asyncio"

    def load(reqs: Sequence[Req], seconds: float) -> dict[str, float]:
        if use_wrk:
            return run_wrk(base, reqs, seconds, args.connections, folder)
        return run_asyncio(base, reqs, seconds, args.connections)

    unique = scenario == "checkout"
    if args.warmup > 0:
        # Unique requests are not spent on the warm-up: it repeats listing instead.
        load(prepared if not unique else [Req("GET", "/api/catalog/products?limit=20")], args.warmup)
    raw = load(prepared, args.duration)
    figures.requests = int(raw["requests"])
    figures.seconds = raw["seconds"]
    figures.rps = raw["requests"] / raw["seconds"] if raw["seconds"] else 0.0
    figures.p50_ms, figures.p90_ms, figures.p99_ms = raw["p50_ms"], raw["p90_ms"], raw["p99_ms"]
    figures.errors = int(raw["errors"])
    figures.replayed = int(raw["replayed"]) if unique else 0
    if figures.replayed:
        figures.notes.append(f"{figures.replayed} requests replayed prepared ones: raise --checkout-carts")
    return figures


def _verdict(f: Figures) -> str:
    want_rps, want_p99 = TARGETS[f.scenario]
    if f.skipped or (want_rps is None and want_p99 is None):
        return "-"
    ok = (want_rps is None or f.rps >= want_rps) and (want_p99 is None or f.p99_ms < want_p99)
    return "met" if ok and not f.errors else "MISSED"


def print_table(results: Sequence[Figures], connections: int) -> None:
    print(
        f"{'scenario':>12} {'requests':>9} {'req/s':>8} {'target':>8} {'p50 ms':>7} {'p90 ms':>7} "
        f"{'p99 ms':>7} {'target':>7} {'errors':>7} {'stmts':>6} {'tx':>4} {'verdict':>7}"
    )
    for f in results:
        want_rps, want_p99 = TARGETS[f.scenario]
        if f.skipped:
            print(f"{f.scenario:>12}  skipped: {f.skipped}")
            continue
        stmts = f"{f.statements:.1f}" if f.statements is not None else "-"
        tx = f"{f.transactions:.1f}" if f.transactions is not None else "-"
        print(
            f"{f.scenario:>12} {f.requests:9d} {f.rps:8.0f} {'>=' + str(want_rps) if want_rps else '-':>8} "
            f"{f.p50_ms:7.1f} {f.p90_ms:7.1f} {f.p99_ms:7.1f} {'<' + str(want_p99) if want_p99 else '-':>7} "
            f"{f.errors:7d} {stmts:>6} {tx:>4} {_verdict(f):>7}"
        )
        for note in f.notes:
            print(f"{'':>12}  note: {note}")
    print(
        f"{connections} closed-loop keep-alive connections; stmts/tx: SQL statements and commits per "
        f"request. Little's law: mean latency = {connections} / req/s."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per scenario (10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load before each (2)")
    parser.add_argument("--connections", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument("--scenarios", nargs="*", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--database-url", default=DEFAULT_DATABASE, help="PostgreSQL to make a schema in")
    parser.add_argument(
        "--checkout-carts", type=int, help="carts prepared for checkout (3 x 100/s x duration)"
    )
    parser.add_argument("--no-wrk", action="store_true", help="use the asyncio client even if wrk is there")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)  # the server process
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    with (
        tempfile.TemporaryDirectory(prefix="holoshop-bench-") as tmp,
        scratch_schema(args.database_url, prefix="bench") as url,
    ):
        folder = Path(tmp)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        print(f"starting one server process on {base} (schema in {args.database_url}) ...", file=sys.stderr)
        t0 = time.perf_counter()
        results = []
        with server(url, folder, port):
            print(f"  ready in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            for scenario in args.scenarios:
                print(
                    f"{scenario}: {args.warmup:g} s warm-up, {args.duration:g} s measured ...",
                    file=sys.stderr,
                )
                results.append(measure(scenario, base, url, folder, args))
        print("counting statements per request in-process ...", file=sys.stderr, flush=True)
        for scenario, (stmts, tx) in count_statements(url, folder, args.scenarios).items():
            for f in results:
                if f.scenario == scenario and not f.skipped:
                    f.statements, f.transactions = stmts, tx
    tool = next((f.tool for f in results if f.tool), "-")
    print(f"load generator: {tool}; {os.cpu_count()} CPUs shared by the server, the load and anything else")
    print_table(results, args.connections)
    if args.json:
        args.json.write_text(json.dumps([asdict(f) for f in results], indent=2))


if __name__ == "__main__":
    main()
