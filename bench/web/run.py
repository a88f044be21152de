"""Web follow latency: driver scroll / W-L change -> follower's rendered frame, in the browser.

    .venv/bin/python -m bench.web.run [--changes 200] [--gap-ms 50] [--mpr] [--case test|sample]

Two Chromium pages (Debian chromium, headless, SwiftShader WebGL) join one room on a live
huizhen server on loopback; the room holds the 16-slice 128x128 test CT (tests/web/case.py).
For each change the driver page alternately scrolls to another slice or sets a new window
centre directly on its Cornerstone viewport (what a wheel tick or a W/L drag step does) and
records the time; the follower page records the time of the first CORNERSTONE_IMAGE_RENDERED
that shows the new slice / window. Both pages run in one browser on one host, so
``performance.timeOrigin + performance.now()`` is one clock. Latency = follower render - driver
change: it includes the driver's throttle (leading edge, <= 30 Hz), msgpack, the server's room
task and fan-out, the follower's apply on the next animation frame and the WebGL render.
Changes are ``--gap-ms`` apart (a quick human drag); results go to
``bench/results/web-<UTC>.json`` and a Markdown line is printed.

``--mpr``: then, in the same room and browser, the driver enters MPR and the same measure runs
for MPR changes, followed by the MPR layout's frame time (``bench/web/mpr.py``). ``--case
sample`` uses the 512x512x120 sample CT (``samples/ct.py``) instead of the small test CT.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from livetools import make_settings, run_live_server  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from bench.web import mpr  # noqa: E402
from samples.ct import write_series  # noqa: E402
from session.grants import Role  # noqa: E402
from web.build import ensure_build  # noqa: E402
from web.case import CtCase, make_case  # noqa: E402
from web.conftest import CHROMIUM_FLAGS, ROOM, chromium_path, room_hooks, wait_ready  # noqa: E402

RECORD = """() => {
  window.__benchLog = [];
  const el = document.querySelector('.viewport');
  el.addEventListener('CORNERSTONE_IMAGE_RENDERED', () => {
    const s = window.__huizhen.viewport(0);
    const t = performance.timeOrigin + performance.now();
    window.__benchLog.push([t, s.index, s.voi && s.voi.center]);
  });
}"""

CHANGE = """([kind, value]) => {
  const vp = window.__huizhen.ctx.viewer.viewport(0);
  const t = performance.timeOrigin + performance.now();
  if (kind === 'scroll') { vp.setImageIdIndex(value); }
  else {
    const w = 400;
    vp.setProperties({ voiRange: { lower: value - w / 2, upper: value + w / 2 } });
    vp.render();
  }
  return t;
}"""

SEEN = """([kind, value]) => window.__benchLog.find(([, index, center]) =>
  kind === 'scroll' ? index === value : Math.abs(center - value) < 0.6) || null"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(driver: Page, follower: Page, changes: int, gap_ms: int) -> list[float]:
    follower.evaluate(RECORD)
    latencies = []
    index = driver.evaluate("window.__huizhen.viewport(0).index")
    count = driver.evaluate("window.__huizhen.ctx.viewer.viewport(0).getImageIds().length")
    for k in range(changes):
        if k % 2 == 0:
            index = (index + 1) % count
            change: list[Any] = ["scroll", index]
        else:
            change = ["voi", float(41 + k)]
        follower.evaluate("window.__benchLog.length = 0")
        sent = driver.evaluate(CHANGE, change)
        handle = follower.wait_for_function(SEEN, arg=change, timeout=10_000, polling=5)
        seen_at = handle.json_value()[0]
        latencies.append(seen_at - sent)
        driver.wait_for_timeout(gap_ms)
    return latencies


def sample_case(folder: Path) -> CtCase:
    """The 512x512x120 sample CT as a case (study and series read back from its files)."""
    from pydicom import dcmread

    files = write_series(folder)
    first = dcmread(files[0], stop_before_pixels=True)
    sops = tuple(str(dcmread(f, stop_before_pixels=True).SOPInstanceUID) for f in files)
    return CtCase(str(first.StudyInstanceUID), str(first.SeriesInstanceUID), sops, files)


def stats(lat: list[float]) -> dict[str, Any]:
    return {
        "p50_ms": round(statistics.median(lat), 1),
        "p90_ms": round(percentile(lat, 0.9), 1),
        "p99_ms": round(percentile(lat, 0.99), 1),
        "max_ms": round(max(lat), 1),
        "mean_ms": round(statistics.fmean(lat), 1),
    }


def measure_mpr(driver: Page, follower: Page, changes: int, gap_ms: int) -> dict[str, Any]:
    mpr.enter(driver, follower)
    mpr.follow(driver, follower, 10, gap_ms)  # warm-up
    lat = mpr.follow(driver, follower, changes, gap_ms)
    frames = mpr.frame_times(driver, 200)
    return {
        "mpr_follow": {**stats(lat), "latencies_ms": [round(x, 2) for x in lat]},
        "mpr_frame": {kind: stats(ms) for kind, ms in frames.items()},
    }


def run(
    changes: int, gap_ms: int, with_mpr: bool = False, case_name: str = "test"
) -> dict[str, Any]:
    dist = ensure_build()
    tmp = Path(tempfile.mkdtemp(prefix="huizhen-bench-web-"))
    case = make_case(tmp / "ct") if case_name == "test" else sample_case(tmp / "ct")
    settings = make_settings(tmp, web_dist=dist)
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(run_live_server(settings, hooks=room_hooks(case)))
        pw = stack.enter_context(sync_playwright())
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        stack.callback(browser.close)
        pages = []
        for who, role in (("driver", Role.HOST), ("follower", Role.PARTICIPANT)):
            page = browser.new_context(viewport={"width": 1000, "height": 800}).new_page()
            page.goto(f"{server.base_url}/join#token={server.mint(ROOM, who, role)}")
            wait_ready(page)
            pages.append(page)
        pages[0].wait_for_timeout(2000)  # let both pages prefetch the series
        measure(pages[0], pages[1], 10, gap_ms)  # warm-up
        lat = measure(pages[0], pages[1], changes, gap_ms)
        extra = measure_mpr(pages[0], pages[1], changes, gap_ms) if with_mpr else {}
    return {
        "bench": "web-follow",
        "at": datetime.now(UTC).isoformat(),
        "case": case_name,
        "changes": changes,
        "gap_ms": gap_ms,
        **stats(lat),
        "latencies_ms": [round(x, 2) for x in lat],
        **extra,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--gap-ms", type=int, default=50)
    parser.add_argument("--mpr", action="store_true", help="also MPR follow latency and frame time")
    parser.add_argument("--case", choices=["test", "sample"], default="test")
    args = parser.parse_args()
    result = run(args.changes, args.gap_ms, args.mpr, args.case)
    out = ROOT / "bench" / "results" / f"web-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(
        f"| {result['changes']} changes, {result['gap_ms']} ms apart | p50 {result['p50_ms']} ms"
        f" | p90 {result['p90_ms']} ms | p99 {result['p99_ms']} ms | max {result['max_ms']} ms |"
    )
    for name in ("mpr_follow",):
        if name in result:
            r = result[name]
            print(
                f"| MPR | p50 {r['p50_ms']} ms | p90 {r['p90_ms']} ms | p99 {r['p99_ms']} ms"
                f" | max {r['max_ms']} ms |"
            )
    for kind, r in result.get("mpr_frame", {}).items():
        print(
            f"MPR frame ({kind}): p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms"
        )
    print(out)


if __name__ == "__main__":
    main()
