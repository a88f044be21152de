"""Run the fan-out benchmark: every server for every N, then JSON + a Markdown table.

    .venv/bin/python -m bench.fanout.run                        # everything (≈ 25 runs)
    .venv/bin/python -m bench.fanout.run --servers huizhen websockets-broadcast -n 10 100 \
        --duration 5 --warmup 2

Writes ``bench/results/fanout-<UTC date-time>.json`` and prints the table for
``docs/benchmarks.md``. Only 127.0.0.1; every process it starts is stopped and waited for.
The Node peers need ``npm ci`` in ``bench/peers/socketio-node`` once.
"""

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.fanout import measure, report, servers

RESULTS = servers.ROOT / "bench" / "results"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--servers",
        nargs="+",
        default=list(servers.SERVERS),
        help=f"any of {', '.join(servers.SERVERS)}, or huizhen:VAR=VALUE (HUIZHEN_VAR)",
    )
    parser.add_argument("-n", "--listeners", nargs="+", type=int, default=[10, 100, 500, 1000])
    parser.add_argument("--duration", type=float, default=10.0, help="measuring window, s")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument(
        "--drain", type=float, default=5.0, help="s after sending stops; later = lost"
    )
    parser.add_argument("--rate", type=float, default=30.0, help="Hz per stream (VOI and pointer)")
    parser.add_argument(
        "--pattern",
        choices=["tick", "staggered"],
        default="tick",
        help="VOI + pointer back to back each tick (as a W/L drag), or half a period apart",
    )
    parser.add_argument(
        "--profile", type=Path, help="dir for py-spy stacks of Python servers (skews numbers)"
    )
    parser.add_argument(
        "--docs", type=Path, help="also paste the table into this file (docs/benchmarks.md)"
    )
    parser.add_argument(
        "--out", type=Path, help="JSON path (default bench/results/fanout-<date>.json)"
    )
    return parser.parse_args()


SHOWN = (
    "latency_ms",
    "loss",
    "server_us_per_event",
    "generator_us_per_event",
    "join_s",
    "settle_s",
)


async def measure_all(args: argparse.Namespace, tmp: Path) -> list[dict[str, object]]:
    results: list[dict[str, object]] = []
    for n in args.listeners:
        for name in args.servers:
            plan = measure.Plan(
                name, n, warmup_s=args.warmup, duration_s=args.duration, drain_s=args.drain,
                rate_hz=args.rate, pattern=args.pattern, profile=args.profile,
            )  # fmt: skip
            print(f"{time.strftime('%H:%M:%S')} {name} N={n} ...", file=sys.stderr, flush=True)
            try:
                summary = report.summarize(await measure.run(plan, tmp / f"{name}-{n}"))
            except Exception as exc:  # one broken server must not void the others' numbers
                print(f"  FAILED: {exc!r}", file=sys.stderr)
                results.append({"server": name, "listeners": n, "error": repr(exc)})
                continue
            results.append(summary)
            print("  " + json.dumps({k: summary[k] for k in SHOWN}), file=sys.stderr)
    return results


async def main(args: argparse.Namespace) -> None:
    for name in args.servers:
        servers.spec_for(name)  # a typo fails now, not after twenty minutes
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="fanout-") as tmp:
        results = await measure_all(args, Path(tmp))
    config = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    document: dict[str, object] = {
        "started": started.isoformat(timespec="seconds"),
        "machine": report.machine(),
        "config": config,
        "results": results,
    }
    out = args.out or RESULTS / f"fanout-{started:%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=1))
    print(f"wrote {out}", file=sys.stderr)
    ok = [r for r in results if "error" not in r]
    table = report.conditions(document) + "\n\n" + report.markdown(ok)
    print(table)
    for r in results:
        if "error" in r:
            print(f"\nFAILED {r['server']} N={r['listeners']}: {r['error']}")
    if args.docs is not None:
        report.paste(args.docs, table)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
