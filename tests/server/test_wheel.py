"""A wheel carries the built web client, and ``huizhen serve`` from it serves the page.

setup.py copies ``web_client/dist`` into ``server/web`` while building; nothing else does,
so a wheel without it would start a server whose ``/`` is a 404."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import httpx
import pytest
from livetools import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web_client" / "dist"
SOURCES = ["pyproject.toml", "setup.py", "README.md", "server", "session", "recorder", "samples"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (DIST / "index.html").is_file(), reason="web_client/dist not built (npm run build)"
    ),
]


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "-q", *args], check=True, timeout=300)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a copy of the sources, so no build/ or egg-info lands in the checkout."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "web", "generated")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    shutil.copytree(DIST, src / "web_client" / "dist")
    _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(work), str(src))
    (built,) = work.glob("huizhen-*.whl")
    return built


def test_the_wheel_carries_the_web_client(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "server/web/index.html" in names
    assert "server/web/playback.html" in names


def test_serve_from_an_installed_wheel_serves_the_page(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    _pip("--python", str(venv / "bin" / "python"), "install", "--no-deps", str(wheel))
    # The dependencies come from this interpreter's site-packages, added as a plain path: a
    # path line does not run that directory's .pth files, so the editable install of the
    # checkout stays out and `server` is the wheel's.
    site = Path(sysconfig.get_paths()["purelib"])
    (venv_site,) = (venv / "lib").glob("python3*/site-packages")
    (venv_site / "deps.pth").write_text(f"{site}\n")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUIZHEN_", "PYTHON"))}
    args = [str(venv / "bin" / "huizhen"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--data-dir", str(tmp_path / "var")]
    with (tmp_path / "server.log").open("wb") as log:
        proc = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=log, stderr=log)
    try:
        wait_healthy(port, proc)
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.status_code == 200, (tmp_path / "server.log").read_text()
        assert "<html" in page.text.lower()
        where = subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import server; print(server.__file__)"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert where.startswith(str(venv)), where
    finally:
        proc.terminate()
        proc.wait(timeout=30)
