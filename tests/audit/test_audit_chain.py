"""The entry format and the chain, without I/O: seal, verify, and every kind of tampering."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

from server.audit.chain import (
    GENESIS,
    START,
    Body,
    Entry,
    canonical,
    derive_key,
    seal,
    seal_all,
    verify_chain,
)

KEY = derive_key("active-secret-0123456789abcdef-0123456789")
OTHER = derive_key("someone-elses-secret-0123456789abcdef")


def keys(kid: str) -> bytes | None:
    return KEY if kid == "k2" else None


def bodies(n: int) -> list[Body]:
    return [
        Body(
            1000.0 + i,
            "local",
            "series.read",
            f"dr-{i}",
            "host",
            "room-1",
            {"study": "1.2", "series": f"1.2.{i}"},
            {"count": i + 1},
        )
        for i in range(n)
    ]


def chain(n: int = 5) -> list[Entry]:
    return seal_all(bodies(n), "local", START, "k2", KEY)


def test_a_sealed_chain_verifies_and_links_every_entry() -> None:
    entries = chain()
    report = verify_chain("local", entries, keys)
    assert report.problem is None and report.entries == 5
    assert report.head == entries[-1].link()
    assert entries[0].body()["prev"] == GENESIS
    assert [e.body()["prev"] for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]


def test_the_encoding_is_canonical_and_unicode_survives() -> None:
    body = Body(1.5, "n", "participant.joined", "县医生", None, "r", {}, {"name": "李医生"})
    entry = seal(body, "local", START, "k2", KEY)
    assert entry.text == canonical(json.loads(entry.text))
    assert "李医生" in entry.text and " " not in entry.text
    assert entry.hash == hashlib.sha256(entry.text.encode()).hexdigest()


def test_an_edited_entry_is_named() -> None:
    entries = chain()
    body = entries[2].body()
    body["actor"] = "someone-else"
    entries[2] = replace(entries[2], text=canonical(body))
    report = verify_chain("local", entries, keys)
    assert report.problem is not None
    assert (report.problem.seq, report.entries) == (3, 2)
    assert "hash" in report.problem.reason


def test_an_edit_that_only_respaces_is_caught() -> None:
    entries = chain()
    entries[1] = replace(entries[1], text=json.dumps(entries[1].body(), sort_keys=True))
    problem = verify_chain("local", entries, keys).problem
    assert problem is not None and problem.seq == 2 and "canonical" in problem.reason


def test_a_deleted_entry_is_named_by_the_gap() -> None:
    entries = chain()
    del entries[1]
    problem = verify_chain("local", entries, keys).problem
    assert problem is not None and problem.seq == 3 and "2..2 missing" in problem.reason


def test_a_rehashed_edit_without_the_key_fails_on_the_signature() -> None:
    entries = chain()
    body = entries[3].body()
    body["details"] = {"count": 999}
    forged = seal(
        Body(
            **{
                k: body[k]
                for k in ("at", "node", "action", "actor", "role", "room", "subject", "details")
            }
        ),
        "local",
        entries[2].link(),
        "k2",
        OTHER,
    )
    entries[3] = forged
    entries[4] = seal(Body(2000.0, "local", "x", "y"), "local", forged.link(), "k2", OTHER)
    problem = verify_chain("local", entries, keys).problem
    assert problem is not None and problem.seq == 4 and "signature" in problem.reason


def test_an_entry_moved_between_chains_or_an_unknown_key_fails() -> None:
    moved = chain(1)
    problem = verify_chain("other", moved, keys).problem
    assert problem is not None and "another chain" in problem.reason
    foreign = seal_all(bodies(1), "local", START, "k9", KEY)
    problem = verify_chain("local", foreign, keys).problem
    assert problem is not None and "unknown key" in problem.reason


def test_a_reordered_chain_fails() -> None:
    entries = chain()
    entries[1], entries[2] = entries[2], entries[1]
    problem = verify_chain("local", entries, keys).problem
    assert problem is not None and problem.seq == 3
