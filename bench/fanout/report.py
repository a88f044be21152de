"""Turn raw measurements into numbers, a JSON document and a Markdown table."""

import json
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from bench.fanout.measure import Raw
from bench.fanout.servers import NODE_PEER


def _sum(workers: list[dict[str, object]], key: str) -> float:
    return sum(float(w[key] or 0) for w in workers)  # type: ignore[arg-type,misc]


def summarize(raw: Raw) -> dict[str, object]:
    workers, plan = raw.workers, raw.plan
    connected = int(_sum(workers, "connected"))
    sent: dict[str, int] = raw.driver["sent_in_window"]  # type: ignore[assignment]
    received = {kind: sum(w["received"][kind] for w in workers) for kind in sent}  # type: ignore[index]
    expected = {kind: sent[kind] * connected for kind in sent}
    # CPU over the window is divided by what listeners RECEIVED in that same window (equal to
    # the sent-in-window count when everybody keeps up; the honest denominator when not).
    delivered = int(_sum(workers, "events_in_window"))
    pairs = np.frombuffer(raw.latencies, dtype=np.float64).reshape(-1, 2)
    lat_ms = pairs[:, 1] * 1000.0
    generator_cpu = _sum(workers, "cpu_window_s") + float(raw.driver.get("cpu_window_s") or 0)  # type: ignore[arg-type]
    closes: dict[str, int] = {}
    for w in workers:
        for code, n in w["closes"].items():  # type: ignore[attr-defined]
            closes[code] = closes.get(code, 0) + n
    return {
        "server": plan.server,
        "listeners": plan.listeners,
        "connected": connected,
        "duration_s": plan.duration_s,
        "sent": sent,
        "expected": expected,
        "received": received,
        "loss": {kind: expected[kind] - received[kind] for kind in sent},
        "delivered_in_window": delivered,
        "latency_ms": _percentiles(lat_ms),
        "latency_timeline": _timeline(pairs),
        "server_cpu_s": round(raw.server_cpu_s, 3),
        "server_cpu_core_pct": round(100 * raw.server_cpu_s / plan.duration_s, 1),
        "server_us_per_event": _per_event(raw.server_cpu_s, delivered),
        "server_rss_mb": round(raw.server_rss_bytes / 2**20, 1),
        "generator_cpu_s": round(generator_cpu, 3),
        "generator_us_per_event": _per_event(generator_cpu, delivered),
        "generator_processes": len(workers) + 1,
        "machine_busy_cores": round(raw.machine_busy_s / plan.duration_s, 2),
        "others_busy_cores": round(
            (raw.machine_busy_s - raw.server_cpu_s - generator_cpu) / plan.duration_s, 2
        ),
        "frames_per_event": round(_sum(workers, "frames") / delivered, 3) if delivered else None,
        "bytes_per_event": round(_sum(workers, "bytes") / delivered, 1) if delivered else None,
        "other_messages": int(_sum(workers, "other")),
        "closes": closes,
        "driver_errors": raw.driver.get("errors", {}),
        "driver_max_late_ms": raw.driver.get("max_late_ms"),
        "server_exit": raw.server_exit,
        "join_s": round(raw.join_s, 2),
        "gc_in_window": raw.gc,
        "settle_s": round(raw.settle_s, 2),
    }


def _percentiles(lat_ms: np.ndarray) -> dict[str, float | None]:
    if lat_ms.size == 0:
        return {"p50": None, "p99": None, "max": None}
    p50, p99 = np.percentile(lat_ms, [50, 99])
    return {
        "p50": round(float(p50), 2),
        "p99": round(float(p99), 2),
        "max": round(float(lat_ms.max()), 2),
    }


def _timeline(pairs: np.ndarray, step_s: float = 0.5) -> list[dict[str, float]]:
    """p99 and max latency (ms) per ``step_s`` of send time: shows stalls (GC, other jobs)."""
    if pairs.size == 0:
        return []
    buckets = np.floor((pairs[:, 0] - pairs[:, 0].min()) / step_s).astype(int)
    out = []
    for bucket in np.unique(buckets):
        lat = pairs[buckets == bucket, 1] * 1000.0
        p99 = float(np.percentile(lat, 99))
        out.append({"t": bucket * step_s, "p99": round(p99, 1), "max": round(float(lat.max()), 1)})
    return out


def _per_event(cpu_s: float, events: int) -> float | None:
    return round(cpu_s / events * 1e6, 2) if events else None


def machine() -> dict[str, object]:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "-"

    node = subprocess.run(
        ["node", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    with open("/proc/cpuinfo") as f:
        model = next(
            (line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?"
        )
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "node": node,
        "versions": {
            d: version(d)
            for d in (
                "websockets",
                "uvicorn",
                "starlette",
                "python-socketio",
                "python-engineio",
                "msgpack",
                "huizhen",
            )
        },
        "socket.io (npm)": _npm_version("socket.io"),
        "socket.io-msgpack-parser (npm)": _npm_version("socket.io-msgpack-parser"),
    }


def _npm_version(name: str) -> str:
    try:
        with open(NODE_PEER / "node_modules" / name / "package.json") as f:
            return str(json.load(f)["version"])
    except OSError:
        return "not installed"


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


SATURATED_CORES = 1.9  # machine busy at least this much during the window: latency is the box's


def markdown(results: list[dict[str, object]]) -> str:
    head = (
        "| server | N | p50 ms | p99 ms | max ms | loss (voi/ptr) | server µs/event "
        "| server core % | gen µs/event | frames/event | bytes/event | other load (cores) "
        "| join s |"
    )
    lines = [head, "|" + "---|" * 13]
    lines.extend(_row(r) for r in results)
    if any(_saturated(r) for r in results):
        lines.append(
            f"\n† the whole machine was ≥ {SATURATED_CORES} cores busy during the window: "
            "latency there measures the box more than the server."
        )
    return "\n".join(lines)


def _saturated(r: dict[str, Any]) -> bool:
    return float(r["machine_busy_cores"]) >= SATURATED_CORES


def _row(r: dict[str, Any]) -> str:
    lat, loss = r["latency_ms"], r["loss"]
    mark = " †" if _saturated(r) else ""
    return (
        f"| {r['server']} | {r['listeners']} | {_cell(lat['p50'])} | {_cell(lat['p99'])}{mark} "
        f"| {_cell(lat['max'])} | {loss['voi']}/{loss['pointer']} "
        f"| {_cell(r['server_us_per_event'])} | {r['server_cpu_core_pct']} "
        f"| {_cell(r['generator_us_per_event'])} | {_cell(r['frames_per_event'])} "
        f"| {_cell(r['bytes_per_event'])} | {r['others_busy_cores']} | {r['join_s']} |"
    )


BEGIN, END = "<!-- fanout:table:begin -->", "<!-- fanout:table:end -->"


def paste(docs: Path, text: str) -> None:
    """Replace what stands between the fan-out markers in ``docs`` (others' sections untouched)."""
    content = docs.read_text()
    head, found, rest = content.partition(BEGIN)
    _, found_end, tail = rest.partition(END)
    if not (found and found_end):
        raise ValueError(f"{docs}: markers {BEGIN} / {END} not found")
    docs.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


def conditions(document: dict[str, object]) -> str:
    """One paragraph of machine facts and run settings to print above the table."""
    m: dict[str, Any] = document["machine"]  # type: ignore[assignment]
    c: dict[str, Any] = document["config"]  # type: ignore[assignment]
    v = m["versions"]
    return (
        f"Run {document['started']}: {m['cores']} cores ({m['cpu']}), Linux {m['kernel']}, "
        f"Python {m['python']}, Node {m['node']}; websockets {v['websockets']}, "
        f"uvicorn {v['uvicorn']}, starlette {v['starlette']}, python-socketio "
        f"{v['python-socketio']}, msgpack {v['msgpack']}, socket.io {m['socket.io (npm)']}, "
        f"socket.io-msgpack-parser {m['socket.io-msgpack-parser (npm)']}. Driver {c['rate']} Hz "
        f"VOI + {c['rate']} Hz pointer ({_pattern(c)}); warm-up {c['warmup']} s, "
        f"window {c['duration']} s, drain {c['drain']} s."
    )


def _pattern(config: dict[str, Any]) -> str:
    if config.get("pattern", "staggered") == "staggered":
        return "half a period apart"
    return "back to back each tick, as a W/L drag"
