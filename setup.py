"""Copies the built web client into the wheel (``server/web``).

``server.settings.default_web_dist`` serves ``server/web`` when the package was installed
from a wheel; everything else (metadata, packages, package data) is in pyproject.toml.
Build the client first (``cd web_client && npm run build``)."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

WEB_DIST = Path(__file__).resolve().parent / "web_client" / "dist"


class BuildPyWithWebClient(build_py):
    def run(self) -> None:
        super().run()
        if not (WEB_DIST / "index.html").is_file():
            self.warn(f"{WEB_DIST} has no index.html: the wheel ships without a web client")
            return
        target = Path(self.build_lib) / "server" / "web"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(WEB_DIST, target)


setup(cmdclass={"build_py": BuildPyWithWebClient})
