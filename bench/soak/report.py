"""Merging the workers' tallies and the Markdown tables for docs/benchmarks.md."""

from __future__ import annotations

from typing import Any

COUNTS = (
    "events", "gaps", "reordered", "duplicates", "resyncs", "resumes", "reconnects_failed",
    "acked", "acked_missing", "cpu_s", "clients",
)  # fmt: skip


def merge(tallies: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {key: sum(t[key] for t in tallies) for key in COUNTS}
    merged["workers"] = len(tallies)
    for key in ("errors", "closes"):
        merged[key] = {}
        for t in tallies:
            for name, count in t[key].items():
                merged[key][name] = merged[key].get(name, 0) + count
    minutes: dict[int, list[float]] = {}
    for t in tallies:
        for minute, values in t["latency_by_minute"].items():
            minutes.setdefault(int(minute), []).extend(values)
    merged["latency_ms"] = {m: _quantiles(v) for m, v in sorted(minutes.items())}
    return merged


def _quantiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    n = len(ordered)

    def at(q: float) -> float:
        return round(1000 * ordered[min(n - 1, int(q * n))], 1)

    return {"n": n, "p50": at(0.5), "p99": at(0.99), "max": round(1000 * ordered[-1], 1)}


def markdown(result: dict[str, Any]) -> str:
    c = result["clients"]
    lines = [
        "| events received | lost | reordered | duplicate deliveries | resyncs (snapshot) "
        "| resumes | acked chat lines | acked but never seen | generator CPU s |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {c['events']} | {c['gaps']} | {c['reordered']} | {c['duplicates']} "
        f"| {c['resyncs']} | {c['resumes']} | {c['acked']} | {c['acked_missing']} "
        f"| {c['cpu_s']:.0f} |",
        "",
        "| minute | chat deliveries | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|",
    ]
    for minute, q in c["latency_ms"].items():
        lines.append(f"| {minute} | {q['n']} | {q['p50']} | {q['p99']} | {q['max']} |")
    lines += ["", "| t (s) | server RSS MB | server CPU s (cumulative) |", "|---|---|---|"]
    for s in result["samples"]:
        lines.append(f"| {s['t_s']:.0f} | {s['rss_mb']:.1f} | {s['cpu_s']:.1f} |")
    lines.append("")
    lines.append(f"downtime at the restart: {result['downtime_s']} s; closes {c['closes']}; "
                 f"errors {c['errors']}")  # fmt: skip
    return "\n".join(lines)
