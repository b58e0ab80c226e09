"""Benchmark: how fast the thin client shows the showroom, and how much it downloads to do so.

Each run opens the page in a fresh browser context (empty cache and sessionStorage, a new
session) and measures the time from navigation start to the first decoded video frame, and the
bytes the page fetched (document, scripts, styles, API calls; the media stream excluded). Prints
p50/p95/min/max and the targets. Run `python bench/page_load.py --runs 10` (starts its own small
server; needs Chromium at /usr/bin/chromium) or pass `--url` to measure a running one.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Browser, sync_playwright  # noqa: E402

from tests.browser_harness import (  # noqa: E402
    TRANSFER_BUDGET_BYTES,
    end_session,
    launch_chromium,
    running_server,
    small_settings,
    transfer_bytes,
)

TARGET_P50_S = 1.5
FRAME_TIMEOUT_S = 30.0

# Resolves with performance.now() (ms since navigation start) when the first video frame has been
# decoded and presented: requestVideoFrameCallback where there is one, else readyState polling.
# Installed before the page's own scripts run, so the first frame cannot be missed.
FIRST_FRAME_INIT_JS = """
window.__firstFrame = new Promise((resolve) => {
  const watch = () => {
    const video = document.getElementById("video");
    if ("requestVideoFrameCallback" in HTMLVideoElement.prototype) {
      video.requestVideoFrameCallback(() => resolve(performance.now()));
    }
    const poll = () => {
      if (video.readyState >= 2 && video.currentTime > 0) resolve(performance.now());
      else setTimeout(poll, 5);
    };
    poll();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
});
"""


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(values, 0.5),
        "p95": percentile(values, 0.95),
        "min": min(values),
        "max": max(values),
    }


def _one_run(browser: Browser, base_url: str) -> tuple[float, int]:
    context = browser.new_context()
    session = None
    try:
        page = context.new_page()
        page.add_init_script(FIRST_FRAME_INIT_JS)
        page.goto(base_url + "/")
        first_frame_ms = float(
            page.evaluate(
                """(timeout) => Promise.race([window.__firstFrame, new Promise((_, reject) =>
                   setTimeout(() => reject(new Error("no video frame")), timeout))])""",
                FRAME_TIMEOUT_S * 1000,
            )
        )
        total, _ = transfer_bytes(page)
        session = page.evaluate("() => sessionStorage.getItem('holoshop-session')")
    finally:
        context.close()
        if session:
            end_session(base_url, session)
    return first_frame_ms / 1000, total


def measure(base_url: str, runs: int = 10) -> dict[str, Any]:
    """Open the page `runs` times, each in a fresh context; time to first frame (s) and bytes."""
    if runs < 1:
        raise ValueError("runs must be at least 1")
    base_url = base_url.rstrip("/")
    seconds: list[float] = []
    sizes: list[float] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            _one_run(browser, base_url)  # warm-up: the browser's first start of its media stack
            for _ in range(runs):
                s, b = _one_run(browser, base_url)
                seconds.append(s)
                sizes.append(float(b))
        finally:
            browser.close()
    return {
        "runs": runs,
        "first_frame_s": summary(seconds),
        "transfer_bytes": summary(sizes),
        "samples_s": seconds,
    }


def report(result: dict[str, Any]) -> str:
    t, b = result["first_frame_s"], result["transfer_bytes"]
    lines = [
        f"page load over {result['runs']} runs (fresh browser context each)",
        f"  first video frame: p50 {t['p50']:.3f} s  p95 {t['p95']:.3f} s  "
        f"min {t['min']:.3f} s  max {t['max']:.3f} s",
        f"  transfer:          p50 {b['p50'] / 1000:.1f} kB  p95 {b['p95'] / 1000:.1f} kB  "
        f"min {b['min'] / 1000:.1f} kB  max {b['max'] / 1000:.1f} kB",
        "targets:",
        f"  first frame p50 under {TARGET_P50_S} s: {t['p50']:.3f} s "
        f"({'met' if t['p50'] < TARGET_P50_S else 'MISSED'}, {t['p50'] / TARGET_P50_S:.2f}x)",
        f"  transfer under {TRANSFER_BUDGET_BYTES / 1000:.0f} kB: {b['max'] / 1000:.1f} kB "
        f"({'met' if b['max'] < TRANSFER_BUDGET_BYTES else 'MISSED'}, "
        f"{b['max'] / TRANSFER_BUDGET_BYTES:.2f}x)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="page loads to measure (default 10)")
    parser.add_argument("--url", help="measure this running server instead of starting a small one")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.url:
        print(f"server: {args.url}")
        result = measure(args.url, args.runs)
    else:
        settings = small_settings()
        print(f"server: in-process, {settings.width}x{settings.height} at {settings.fps} fps")
        with running_server(settings) as base_url:
            result = measure(base_url, args.runs)
    print(report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
