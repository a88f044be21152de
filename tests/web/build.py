"""Build the web client when its build is missing or stale (reusable by any test or tool).

The staleness stamp is the same as ``scripts/_env.sh``'s ``ensure_web_build``: a sha256 over
``sha256sum`` lines of the client's sources, stored in ``dist/.huizhen-build``; so a build made
by ``scripts/serve`` satisfies the tests and the other way round.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web_client"
DIST = WEB / "dist"
STAMP = DIST / ".huizhen-build"
_SOURCES = (
    "src",
    "index.html",
    "playback.html",
    "package.json",
    "package-lock.json",
    "public",
    "scripts",
)
_PATTERNS = ("tsconfig*.json", "vite.config.*")


def _source_files() -> list[str]:
    found: list[Path] = []
    for name in _SOURCES:
        path = WEB / name
        found += [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    for pattern in _PATTERNS:
        found += WEB.glob(pattern)
    rel = {p.relative_to(WEB).as_posix() for p in found if p.is_file()}
    return sorted(rel, key=lambda s: s.encode())


def sources_hash() -> str:
    """``find ... | LC_ALL=C sort | xargs sha256sum | sha256sum`` in Python."""
    lines = "".join(
        f"{hashlib.sha256((WEB / rel).read_bytes()).hexdigest()}  {rel}\n"
        for rel in _source_files()
    )
    return hashlib.sha256(lines.encode()).hexdigest()


def _npm(*args: str) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("the web client needs Node.js 20+ and npm on PATH")
    subprocess.run([npm, *args], cwd=WEB, check=True, capture_output=True, timeout=600)


def _deps_current() -> bool:
    installed = WEB / "node_modules" / ".package-lock.json"
    lock = WEB / "package-lock.json"
    return installed.is_file() and installed.stat().st_mtime >= lock.stat().st_mtime


def ensure_build() -> Path:
    """Return ``web_client/dist``, running ``npm ci`` / ``npm run build`` only when needed."""
    with (Path(tempfile.gettempdir()) / "huizhen-web-build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        want = sources_hash()
        if STAMP.is_file() and STAMP.read_text().strip() == want:
            return DIST
        if not _deps_current():
            _npm("ci", "--no-audit", "--no-fund", "--loglevel=error")
        _npm("run", "build", "--silent")
        STAMP.write_text(want + "\n")
    return DIST


if __name__ == "__main__":
    print(ensure_build())
