"""A county doctor opens an invite link: the page over an emulated link, cold and warm.

    .venv/bin/python -m bench.county.run [--links 2000:150:0.01,10000:50:0] [--repeat 1]
        [--peer-ref main] [--samples DIR]

Needs root (``bench/county/link.py``: two network namespaces, two TUN devices and a userspace
forwarder with the link's rate, RTT and loss). The server (this process) holds room ``county``
with the 512x512x120 synthetic CT (``samples``) and the view at its middle slice, the
presenter's slice. Debian Chromium runs inside the county namespace (wrapper script as
Playwright's executable), headless, SwiftShader WebGL, a fresh profile per build:
- cold: a new browser context opens the invite link;
- warm: a second page in the same context (HTTP cache and service worker kept) opens the same
  invite link again (the doctor's next visit).
Measured in the page (``performance.now()`` from navigation start, polled each animation
frame): the room shown (status ``connected``) and the presenter's slice shown (viewport 0 at
that index with its window applied; frames are always lossless here), and the bytes that
crossed the link (IP packets, both directions) until then.
Peer in the same run: the web client of ``--peer-ref`` (default ``main``) built from a
temporary ``git worktree`` into its own dist, served the same way by this server.
Results: ``bench/results/county-<UTC>.json`` and Markdown rows on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from livetools import make_settings  # noqa: E402
from playwright.sync_api import BrowserContext, Playwright, sync_playwright  # noqa: E402
from web.build import ensure_build  # noqa: E402
from web.conftest import CHROMIUM_FLAGS, chromium_path  # noqa: E402

from bench.county.link import CountyLink, county_link, unavailable  # noqa: E402
from bench.county.serve import Case, read_case, serve_on_link  # noqa: E402

MARKS = """(target) => {
  const marks = {};
  window.__county = marks;
  const tick = () => {
    const status = document.querySelector('#status-overlay')?.dataset.status;
    if (marks.room === undefined && status === 'connected') marks.room = performance.now();
    const h = window.__huizhen;
    if (marks.image === undefined && h && h.applied && h.applied() > 0) {
      const v = h.viewport(0);
      if (v && v.index === target && v.voi !== null) marks.image = performance.now();
    }
    if (marks.image === undefined || marks.room === undefined) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


@dataclass(frozen=True)
class Visit:
    link: str
    build: str
    cache: str  # cold | warm
    room_s: float
    image_s: float
    link_bytes: int

    def row(self) -> str:
        return (
            f"| {self.link} | {self.build} | {self.cache} | {self.room_s:.1f} | "
            f"{self.image_s:.1f} | {self.link_bytes / 1e6:.2f} |"
        )


def peer_dist(ref: str) -> Path:
    """The web client of ``ref``, built once in a temporary ``git worktree`` (removed after);
    the built dist is kept in the temp dir for reruns."""
    sha = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", ref], capture_output=True, text=True, check=True
    ).stdout.strip()
    dist = Path(tempfile.gettempdir()) / f"huizhen-county-peer-{sha[:12]}-dist"
    if (dist / "index.html").is_file():
        return dist
    tree = Path(tempfile.mkdtemp(prefix="huizhen-county-peer-")) / "tree"
    git = ["git", "-C", str(ROOT), "worktree"]
    subprocess.run([*git, "add", "--detach", str(tree), sha], check=True, capture_output=True)
    try:
        web = tree / "web_client"
        shutil.copytree(ROOT / "web_client" / "node_modules", web / "node_modules", symlinks=True)
        subprocess.run(["npm", "run", "build", "--silent"], cwd=web, check=True,
                       capture_output=True, timeout=900)  # fmt: skip
        shutil.copytree(web / "dist", dist)
    finally:
        subprocess.run([*git, "remove", "--force", str(tree)], check=False, capture_output=True)
        shutil.rmtree(tree.parent, ignore_errors=True)
    return dist


def visit(context: BrowserContext, url: str, target: int, link: CountyLink) -> tuple[float, ...]:
    page = context.new_page()
    page.add_init_script(f"({MARKS})({target})")
    before = link.stats()
    page.goto(url, wait_until="commit", timeout=120_000)
    handle = page.wait_for_function(
        "() => window.__county && window.__county.image !== undefined"
        " && window.__county.room !== undefined ? window.__county : null",
        timeout=180_000, polling=50,
    )  # fmt: skip
    marks = handle.json_value()
    after = link.stats()
    moved = sum(after[d]["bytes"] - before[d]["bytes"] for d in ("down", "up"))
    page.wait_for_timeout(3000)  # let prefetch and the service worker settle before leaving
    page.close()
    return marks["room"] / 1000, marks["image"] / 1000, moved


def measure_build(
    pw: Playwright,
    link: CountyLink,
    build: tuple[str, Path],
    case: Case,
    workdir: Path,
    *,
    tls: bool,
) -> list[Visit]:
    name, dist = build
    settings = make_settings(workdir, web_dist=dist)
    out: list[Visit] = []
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(serve_on_link(link, settings, case, tls=tls))
        flags = [*CHROMIUM_FLAGS, *server.chromium_flags]
        chromium = chromium_path()
        if chromium is None:
            raise SystemExit("Debian chromium is not installed")
        browser = pw.chromium.launch(executable_path=link.chromium_wrapper(chromium), args=flags)
        stack.callback(browser.close)
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        invite = server.invite("county-doctor")  # the same link opened twice, as a doctor would
        for cache in ("cold", "warm"):
            room_s, image_s, moved = visit(context, invite, case.current, link)
            label = f"{name}, https" if tls else name
            out.append(Visit(link.describe(), label, cache, room_s, image_s, int(moved)))
            print(out[-1].row(), flush=True)
    return out


def parse_link(text: str) -> tuple[float, float, float]:
    rate, rtt, loss = (float(x) for x in text.split(":"))
    return rate, rtt, loss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--links", default="2000:150:0.01,10000:50:0",
                        help="kbit/s:RTT ms:loss fraction, comma separated")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--peer-ref", default="main")
    parser.add_argument("--samples", type=Path, help="samples dir (default: generate)")
    parser.add_argument("--only", choices=("peer", "this"), help="measure one build only")
    parser.add_argument("--tls", action="store_true", help="HTTPS (self-signed) as deployed")
    args = parser.parse_args()
    if (why := unavailable()) is not None:
        raise SystemExit(why)
    from samples import ensure_samples

    ct = list(ensure_samples(args.samples).ct_files)
    case = read_case(ct)
    builds = {"this": ensure_build(), "peer": peer_dist(args.peer_ref)}
    if args.only:
        builds = {args.only: builds[args.only]}
    names = {"this": "this branch", "peer": f"{args.peer_ref} (before)"}
    workdir = Path(tempfile.mkdtemp(prefix="huizhen-county-run-"))
    visits: list[Visit] = []
    print("| link | build | cache | room shown s | presenter's slice s | MB on the link |")
    print("|---|---|---|---|---|---|")
    with sync_playwright() as pw:
        for spec in args.links.split(","):
            rate, rtt, loss = parse_link(spec)
            for _ in range(args.repeat):
                for key, dist in builds.items():
                    with county_link(rate, rtt, loss) as link:
                        run_dir = workdir / str(len(visits))
                        visits += measure_build(pw, link, (names[key], dist), case, run_dir,
                                                tls=args.tls)  # fmt: skip
    shutil.rmtree(workdir, ignore_errors=True)
    result: dict[str, Any] = {
        "bench": "county-page", "at": datetime.now(UTC).isoformat(),
        "case": f"{len(case.sops)} slices, presenter at {case.current}",
        "visits": [asdict(v) for v in visits],
    }  # fmt: skip
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = ROOT / "bench" / "results" / f"county-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(out)


if __name__ == "__main__":
    sys.exit(main())
