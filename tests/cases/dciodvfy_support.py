"""dicom3tools' ``dciodvfy`` as a test oracle: the error lines of a file, UIDs masked."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

needs_dciodvfy = pytest.mark.skipif(shutil.which("dciodvfy") is None, reason="needs dicom3tools")
_UID = re.compile(r"(?<=UID )\S+|[0-9][0-9.]{7,}")  # UIDs change by design


def errors(path: Path) -> set[str] | None:
    """dciodvfy's error lines (UIDs masked), or None if it could not read the file."""
    done = subprocess.run(
        ["dciodvfy", str(path)], check=False, capture_output=True, text=True, timeout=60
    )
    lines = (done.stdout + done.stderr).splitlines()
    if any("Dicom dataset read failed" in line for line in lines):
        return None
    return {_UID.sub("<uid>", " ".join(line.split())) for line in lines if line.startswith("Error")}
