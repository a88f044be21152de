"""The county follower's lag: the expert changes the slice or the window, the county doctor's
page renders it, through the emulated link.

    .venv/bin/python -m bench.county.follow [--link 2000:150:0.01] [--changes 200] [--gap-ms 50]

Needs root (``bench/county/link.py``). The driver (host) is a Chromium next to the server (in
the server namespace: the expert at the hospital), the follower a Chromium in the county
namespace. The case is the 16-slice 128x128 test CT (``tests/web/case.py``), so the follower
holds every slice before the changes start: this measures the sync path (WebSocket over the
link, apply, render), not frame download. Changes, recording and latency are
``bench/web/run.py``'s: change time on the driver page, first render showing it on the
follower page, both ``performance.timeOrigin + now()`` (the same host clock; two browser
processes). Prints a Markdown row; JSON to ``bench/results/county-follow-<UTC>.json``.
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

from livetools import make_settings  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from web.build import ensure_build  # noqa: E402
from web.case import make_case  # noqa: E402
from web.conftest import CHROMIUM_FLAGS, chromium_path, wait_ready  # noqa: E402

from bench.county.link import county_link, unavailable  # noqa: E402
from bench.county.run import parse_link  # noqa: E402
from bench.county.serve import read_case, serve_on_link  # noqa: E402
from bench.web.run import measure, percentile  # noqa: E402
from session.grants import Role  # noqa: E402


def run(spec: str, changes: int, gap_ms: int) -> dict[str, Any]:
    rate, rtt, loss = parse_link(spec)
    tmp = Path(tempfile.mkdtemp(prefix="huizhen-county-follow-"))
    ct = make_case(tmp / "ct")
    case = read_case(list(ct.files), current=0)
    chromium = chromium_path()
    if chromium is None:
        raise SystemExit("Debian chromium is not installed")
    with contextlib.ExitStack() as stack:
        link = stack.enter_context(county_link(rate, rtt, loss))
        settings = make_settings(tmp, web_dist=ensure_build())
        server = stack.enter_context(serve_on_link(link, settings, case))
        pw = stack.enter_context(sync_playwright())
        pages = []
        for who, side, role in (("expert", "server", Role.HOST), ("county", "county", None)):
            browser = pw.chromium.launch(
                executable_path=link.chromium_wrapper(chromium, side=side),
                args=[*CHROMIUM_FLAGS, *server.chromium_flags],
            )
            stack.callback(browser.close)
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            page.goto(server.invite(who, role or Role.PARTICIPANT), timeout=120_000)
            wait_ready(page)
            pages.append(page)
        pages[1].wait_for_timeout(5000)  # the follower prefetches the 16 slices
        measure(pages[0], pages[1], 10, gap_ms)  # warm-up
        lat = measure(pages[0], pages[1], changes, gap_ms)
    return {
        "bench": "county-follow", "at": datetime.now(UTC).isoformat(), "link": link.describe(),
        "changes": changes, "gap_ms": gap_ms,
        "p50_ms": round(statistics.median(lat), 1), "p90_ms": round(percentile(lat, 0.9), 1),
        "p99_ms": round(percentile(lat, 0.99), 1), "max_ms": round(max(lat), 1),
        "latencies_ms": [round(x, 2) for x in lat],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--link", default="2000:150:0.01", help="kbit/s:RTT ms:loss")
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--gap-ms", type=int, default=50)
    args = parser.parse_args()
    if (why := unavailable()) is not None:
        raise SystemExit(why)
    result = run(args.link, args.changes, args.gap_ms)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = ROOT / "bench" / "results" / f"county-follow-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(
        f"| {result['link']} | {result['changes']} changes, {result['gap_ms']} ms apart "
        f"| p50 {result['p50_ms']} ms | p90 {result['p90_ms']} ms | p99 {result['p99_ms']} ms "
        f"| max {result['max_ms']} ms |"
    )
    print(out)


if __name__ == "__main__":
    main()
