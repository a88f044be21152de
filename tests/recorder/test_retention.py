"""Soft delete and retention: a tombstone hides a recording at once; ``purge`` removes its bytes
once the retention period has passed (time is an argument: no clock, no sleep)."""

from __future__ import annotations

from pathlib import Path

from recorder.retention import TOMBSTONE, deleted_at, is_deleted, mark_deleted, purge

DAY = 24 * 3600.0


def recording(root: Path, name: str) -> Path:
    directory = root / name
    (directory / "media").mkdir(parents=True)
    (directory / "events.msgpack").write_bytes(b"x" * 100)
    return directory


def test_a_tombstone_hides_and_the_purge_waits_for_the_retention(tmp_path: Path) -> None:
    kept, old, fresh = (recording(tmp_path, n) for n in ("kept", "old", "fresh"))
    mark_deleted(old, 1000.0, "host")
    mark_deleted(fresh, 1000.0 + 6 * DAY, "host")
    assert not is_deleted(kept) and is_deleted(old) and is_deleted(fresh)
    assert deleted_at(kept) is None and deleted_at(old) == 1000.0
    assert purge(tmp_path, 1000.0 + 7 * DAY - 1, 7 * DAY) == []  # not yet
    assert purge(tmp_path, 1000.0 + 7 * DAY, 7 * DAY) == ["old"]
    assert not old.exists() and kept.exists() and fresh.exists()
    assert purge(tmp_path, 1000.0 + 6 * DAY, 0.0) == ["fresh"]  # "purge now": no retention
    assert [p.name for p in tmp_path.iterdir()] == ["kept"]


def test_an_unreadable_tombstone_still_hides_and_goes_at_the_next_purge(tmp_path: Path) -> None:
    broken = recording(tmp_path, "broken")
    (broken / TOMBSTONE).write_text("{not json")
    assert is_deleted(broken) and deleted_at(broken) == 0.0
    assert purge(tmp_path, 7 * DAY, 7 * DAY) == ["broken"]


def test_purge_of_a_missing_root_or_stray_files_does_nothing(tmp_path: Path) -> None:
    assert purge(tmp_path / "none", 0.0, 0.0) == []
    (tmp_path / "stray.txt").write_text("not a recording")
    assert purge(tmp_path, 0.0, 0.0) == []
