"""Deterministic synthetic DICOM samples, written to ``samples/generated/`` on first use.

``ensure_samples()`` returns the paths, generating them once (under a file lock, into a
temporary folder renamed into place, so parallel test processes never see half a set).
The data is not committed: it is a pure function of the code (fixed seeds, UIDs from a fixed
root), so regenerating gives the same bytes.
"""

from __future__ import annotations

import fcntl
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

GENERATED = Path(__file__).resolve().parent / "generated"
VERSION = "v4"  # bump when a generator changes, so stale caches are regenerated


@dataclass(frozen=True)
class SamplePaths:
    root: Path
    ct_dir: Path
    ct_files: tuple[Path, ...]
    mr: Path
    radiograph: Path


def ensure_samples(dest: Path | None = None) -> SamplePaths:
    """The generated sample set under ``dest`` (default ``samples/generated``)."""
    base = Path(dest) if dest is not None else GENERATED
    base.mkdir(parents=True, exist_ok=True)
    root = base / VERSION
    with (base / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one generator at a time; the rest wait, then reuse
        if not root.exists():
            _generate_into(root)
    return _paths(root)


def _generate_into(root: Path) -> None:
    from samples import ct, mr, radiograph  # noqa: PLC0415 - numpy work only when needed

    tmp = root.with_name(f".{root.name}.{uuid.uuid4().hex}")
    try:
        ct.write_series(tmp / "ct")
        mr.write(tmp / "mr" / "MR_multiframe.dcm")
        radiograph.write(tmp / "dx" / "DX_chest_mono1.dcm")
        tmp.rename(root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _paths(root: Path) -> SamplePaths:
    ct_dir = root / "ct"
    return SamplePaths(
        root=root,
        ct_dir=ct_dir,
        ct_files=tuple(sorted(ct_dir.glob("CT*.dcm"))),
        mr=root / "mr" / "MR_multiframe.dcm",
        radiograph=root / "dx" / "DX_chest_mono1.dcm",
    )
