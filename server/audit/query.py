"""Reading the audit: filter, aggregate reads, verify every chain, export CSV/JSON.

Filters run over the parsed, hash-checked body (never over a copy beside it), so what a
query shows is what ``verify`` vouches for. Every chain is read whole: fine for the size a
hospital's audit reaches in years at this entry rate (reads are aggregated); an index by
time is the next step if it is not.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from server.audit.chain import ChainReport, Entry, KeyLookup, Problem, verify_chain
from server.audit.store import AuditStore

Row = dict[str, Any]
CSV_COLUMNS = (
    "time",
    "at",
    "chain",
    "seq",
    "node",
    "room",
    "actor",
    "role",
    "action",
    "subject",
    "details",
    "hash",
)
READ_SUFFIX = ".read"


@dataclass(frozen=True, slots=True)
class Query:
    room: str | None = None
    person: str | None = None  # the actor, or the participant the entry is about
    study: str | None = None
    patient: str | None = None
    action: str | None = None  # "annotation" matches annotation.created, ...
    since: float | None = None
    until: float | None = None

    def matches(self, row: Row) -> bool:
        subject: dict[str, str] = row.get("subject") or {}
        checks = (
            self.room is None or row.get("room") == self.room,
            self.person is None or self.person in (row.get("actor"), subject.get("participant")),
            self.study is None or subject.get("study") == self.study,
            self.patient is None or subject.get("patient") == self.patient,
            self.action is None or _action_matches(str(row.get("action")), self.action),
            self.since is None or float(row.get("at", 0)) >= self.since,
            self.until is None or float(row.get("at", 0)) <= self.until,
        )
        return all(checks)


def _action_matches(action: str, wanted: str) -> bool:
    return action == wanted or action.startswith(wanted + ".")


async def select(store: AuditStore, query: Query) -> list[Row]:
    """Matching entries of every chain, oldest first."""
    rows: list[Row] = []
    for chain in await store.chains():
        for entry in await store.entries(chain):
            try:
                row = entry.body() | {"hash": entry.hash}
            except ValueError:
                continue  # unreadable: ``verify`` names it
            if query.matches(row):
                rows.append(row)
    rows.sort(key=lambda r: (float(r.get("at", 0)), str(r.get("chain")), int(r.get("seq", 0))))
    return rows


def reads(rows: Iterable[Row]) -> list[Row]:
    """``*.read`` entries summed per (action, room, member, subject): first, last, count."""
    totals: dict[str, Row] = {}
    for row in rows:
        if not str(row.get("action", "")).endswith(READ_SUFFIX):
            continue
        subject = row.get("subject") or {}
        key = json.dumps(
            [row["action"], row.get("room"), row.get("actor"), subject], sort_keys=True
        )
        details = row.get("details") or {}
        seen = totals.setdefault(
            key,
            {
                "action": row["action"],
                "room": row.get("room"),
                "actor": row.get("actor"),
                "role": row.get("role"),
                "subject": subject,
                "first": details.get("first"),
                "last": details.get("last"),
                "count": 0,
            },
        )
        seen["first"] = min(seen["first"], details.get("first", seen["first"]))
        seen["last"] = max(seen["last"], details.get("last", seen["last"]))
        seen["count"] += int(details.get("count", 1))
    return sorted(totals.values(), key=lambda r: (r["first"], str(r["actor"])))


@dataclass(frozen=True, slots=True)
class Anchor:
    """A head recorded earlier, outside the server (``chain:seq:hash``): the chain must still
    reach that seq with that hash, or entries were removed from its tail or rewritten."""

    chain: str
    seq: int
    hash: str

    @classmethod
    def parse(cls, text: str) -> Anchor:
        chain, _, rest = text.rpartition(":")
        chain, _, seq = chain.rpartition(":")
        if not chain or not seq.isdigit() or int(seq) < 1 or len(rest) != 64:
            raise ValueError(f"anchor {text!r}: want chain:seq:sha256-hex")
        return cls(chain, int(seq), rest.lower())


async def verify(
    store: AuditStore, keys: KeyLookup, anchors: Iterable[Anchor] = ()
) -> list[ChainReport]:
    wanted = {a.chain: a for a in anchors}
    chains = await store.chains()
    reports = []
    for chain in sorted(set(chains) | set(wanted)):
        entries = await store.entries(chain) if chain in chains else []
        report = verify_chain(chain, entries, keys)
        anchor = wanted.get(chain)
        if report.problem is None and anchor is not None:
            report = _anchored(report, entries, anchor)
        reports.append(report)
    return reports


def _anchored(report: ChainReport, entries: list[Entry], anchor: Anchor) -> ChainReport:
    if report.head.seq < anchor.seq:
        reason = f"the chain ends at {report.head.seq}, anchored at {anchor.seq}: tail removed"
        return replace(report, problem=Problem(report.chain, report.head.seq + 1, reason))
    if entries[anchor.seq - 1].hash != anchor.hash:
        reason = "differs from its anchor: the chain was rewritten and re-sealed"
        return replace(report, problem=Problem(report.chain, anchor.seq, reason))
    return report


def report_json(report: ChainReport) -> Row:
    problem = report.problem
    return {
        "chain": report.chain,
        "entries": report.entries,
        "head": {"seq": report.head.seq, "hash": report.head.hash},
        "ok": problem is None,
        "problem": None if problem is None else {"seq": problem.seq, "reason": problem.reason},
    }


def parse_time(name: str, raw: str | None) -> float | None:
    """Epoch seconds or ISO 8601 (naive means UTC); ValueError naming ``name`` otherwise."""
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{name}: epoch seconds or ISO 8601") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")


def to_csv(rows: Iterable[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        subject = ";".join(f"{k}={v}" for k, v in sorted((row.get("subject") or {}).items()))
        details = json.dumps(row.get("details") or {}, sort_keys=True, ensure_ascii=False)
        writer.writerow(
            [
                iso(float(row.get("at", 0))),
                row.get("at"),
                row.get("chain"),
                row.get("seq"),
                row.get("node"),
                row.get("room") or "",
                row.get("actor"),
                row.get("role") or "",
                row.get("action"),
                subject,
                details,
                row.get("hash"),
            ]
        )
    return out.getvalue()
