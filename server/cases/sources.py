"""Where import input comes from: files, folders, zip archives, DICOMDIRs, in-memory bytes.

Each source is turned into :class:`Staged` files — copies inside the store's staging folder,
hashed while copied — or :class:`~server.cases.errors.BadInput` entries. Nothing here
touches the index or the final layout, so a rejected source leaves the store unchanged.

Archives are hostile until proven otherwise: member names are checked for absolute paths and
``..`` before anything is extracted, the declared sizes and compression ratios are capped, and
the real decompressed byte count is enforced while streaming (headers can lie). A traversal
name or a bomb rejects the whole archive; other bad members are reported one by one.
"""

from __future__ import annotations

import hashlib
import os
import uuid
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

import pydicom

from server.cases.errors import BadInput, InputCode

CHUNK = 1 << 20
DICOMDIR_NAME = "DICOMDIR"


@dataclass(frozen=True)
class Limits:
    """Caps on untrusted input; tests use small values."""

    max_file_size: int = 2 * 1024**3
    max_archive_total: int = 8 * 1024**3  # sum of uncompressed sizes in one zip
    max_archive_ratio: float = 200.0  # uncompressed / compressed, per member and overall
    ratio_floor: int = 1 << 20  # members (and archives) smaller than this skip the ratio check
    max_archive_entries: int = 100_000
    decode_first_frame: bool = False  # also decode frame 1 of each image (slower, stricter)


@dataclass(frozen=True)
class Staged:
    """A candidate file copied into staging; ``name`` is how the user knows it."""

    name: str
    path: Path
    size: int
    sha256: str
    walked: bool = False  # found by walking a folder or zip, not named by the user


class Archives:
    """Zip files opened once for all their members and closed together: re-opening per member
    would parse the central directory again for every file (quadratic in the member count)."""

    def __init__(self) -> None:
        self._open: dict[str, zipfile.ZipFile] = {}

    def get(self, path: Path) -> zipfile.ZipFile:
        key = str(path)
        if key not in self._open:
            self._open[key] = zipfile.ZipFile(path)
        return self._open[key]

    def __enter__(self) -> Archives:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for zf in self._open.values():
            zf.close()
        self._open.clear()


Opener = Callable[[Archives], AbstractContextManager[IO[bytes]]]


@dataclass(frozen=True)
class Candidate:
    """A file to stage: ``open`` yields its bytes; ``archive`` groups members of one zip."""

    name: str
    open: Opener
    declared_size: int | None = None
    archive: str | None = None
    walked: bool = False  # found by walking a folder or zip: non-DICOM is skipped, not refused


class Unusable(Exception):
    """A candidate (or its whole archive) cannot be imported."""

    def __init__(self, code: InputCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def enumerate_paths(paths: Sequence[Path], limits: Limits) -> Iterator[Candidate | BadInput]:
    """Candidates from files, folders (recursive, sorted), zips and explicit DICOMDIRs."""
    for path in paths:
        if path.is_dir():
            for sub in sorted(p for p in path.rglob("*") if p.is_file()):
                # A DICOMDIR met while walking a folder indexes files the walk finds anyway;
                # hidden files (.DS_Store, lock files) are never DICOM instances.
                if sub.name.upper() != DICOMDIR_NAME and not _hidden(sub, path):
                    yield from _file_candidates(sub, limits, walked=True)
        elif path.name.upper() == DICOMDIR_NAME and path.is_file():
            yield from _dicomdir_candidates(path)
        else:
            yield from _file_candidates(path, limits)


def _hidden(path: Path, top: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(top).parts)


def _file_candidates(
    path: Path, limits: Limits, *, walked: bool = False
) -> Iterator[Candidate | BadInput]:
    if not path.is_file():
        yield BadInput(str(path), InputCode.UNREADABLE, "no such file")
    elif not _has_dicm_prefix(path) and zipfile.is_zipfile(path):
        yield from _zip_candidates(path, limits)
    else:
        yield Candidate(str(path), file_opener(path), path.stat().st_size, walked=walked)


def _has_dicm_prefix(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(132)[128:] == b"DICM"


def _dicomdir_candidates(path: Path) -> Iterator[Candidate | BadInput]:
    # Read the directory records directly: pydicom's FileSet would stage a temporary
    # directory we do not need just to list the referenced files.
    try:
        records = pydicom.dcmread(path).DirectoryRecordSequence
    except Exception as exc:  # pydicom raises many types on a malformed DICOMDIR
        yield BadInput(str(path), InputCode.NOT_DICOM, f"not a readable DICOMDIR: {exc}")
        return
    base = path.parent.resolve()
    for record in records:
        file_id = record.get("ReferencedFileID")
        if not file_id:
            continue  # patient/study/series records reference no file
        parts = [file_id] if isinstance(file_id, str) else list(file_id)
        target = base.joinpath(*parts).resolve()
        if not target.is_relative_to(base) or any(p in ("..", "") for p in parts):
            reason = "DICOMDIR references a file outside its folder"
            yield BadInput("/".join(parts), InputCode.PATH_TRAVERSAL, reason)
        elif not target.is_file():
            yield BadInput(str(target), InputCode.UNREADABLE, "referenced by DICOMDIR, missing")
        else:
            yield Candidate(str(target), file_opener(target), target.stat().st_size)


def _zip_candidates(path: Path, limits: Limits) -> Iterator[Candidate | BadInput]:
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
        check_archive(members, path.stat().st_size, limits)
    except Unusable as exc:
        yield BadInput(str(path), exc.code, exc.reason)
        return
    except Exception as exc:  # BadZipFile, OSError, and whatever a mangled directory raises
        yield BadInput(str(path), InputCode.NOT_DICOM, f"unreadable zip archive: {exc!r}")
        return
    for member in members:
        if PurePosixPath(member.filename).name.upper() == DICOMDIR_NAME:
            continue  # the member files are in the archive too
        yield Candidate(
            f"{path}!{member.filename}",
            _member_opener(path, member),
            member.file_size,
            archive=str(path),
            walked=True,
        )


def file_opener(path: Path) -> Opener:
    return lambda _archives: path.open("rb")


def _member_opener(path: Path, member: zipfile.ZipInfo) -> Opener:
    return lambda archives: archives.get(path).open(member)


def check_archive(members: Sequence[zipfile.ZipInfo], archive_size: int, limits: Limits) -> None:
    """Reject traversal names, too many members and declared sizes/ratios over the caps."""
    if len(members) > limits.max_archive_entries:
        raise Unusable(InputCode.ZIP_BOMB, f"{len(members)} members > {limits.max_archive_entries}")
    for member in members:
        check_member_name(member.filename)
        _check_ratio(member.file_size, member.compress_size, limits, member.filename)
    total = sum(m.file_size for m in members)
    if total > limits.max_archive_total:
        reason = f"uncompressed total {total} bytes > cap {limits.max_archive_total}"
        raise Unusable(InputCode.ZIP_BOMB, reason)
    _check_ratio(total, archive_size, limits, "archive")


def _check_ratio(size: int, compressed: int, limits: Limits, what: str) -> None:
    ratio = size / max(compressed, 1)
    if size > limits.ratio_floor and ratio > limits.max_archive_ratio:
        reason = f"{what}: compression ratio {ratio:.0f} > cap {limits.max_archive_ratio:.0f}"
        raise Unusable(InputCode.ZIP_BOMB, reason)


def check_member_name(name: str) -> None:
    """Refuse absolute names, drive letters and any ``..`` component (either slash)."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts:
        raise Unusable(InputCode.PATH_TRAVERSAL, f"unsafe archive member name {name!r}")


def stage(candidate: Candidate, staging: Path, limits: Limits, archives: Archives) -> Staged:
    """Copy a candidate into ``staging`` (hashing it), enforcing the size caps as it streams."""
    cap = limits.max_file_size
    if candidate.declared_size is not None and candidate.declared_size > cap:
        raise Unusable(InputCode.TOO_LARGE, f"{candidate.declared_size} bytes > cap {cap}")
    target = staging / uuid.uuid4().hex
    digest = hashlib.sha256()
    size = 0
    try:
        with candidate.open(archives) as src, target.open("wb") as dst:
            while chunk := src.read(CHUNK):
                size += len(chunk)
                _check_streamed(size, candidate, limits)
                digest.update(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())  # durable before the index may point at it
    except Unusable:
        target.unlink(missing_ok=True)
        raise
    except Exception as exc:  # OSError, BadZipFile, zlib.error, encrypted or unknown method
        target.unlink(missing_ok=True)
        raise Unusable(InputCode.UNREADABLE, f"cannot read: {exc!r}") from exc
    return Staged(candidate.name, target, size, digest.hexdigest(), candidate.walked)


def _check_streamed(size: int, candidate: Candidate, limits: Limits) -> None:
    if candidate.archive is not None and size > (candidate.declared_size or 0):
        # The member inflates past its declared size: the header lies, a classic bomb.
        raise Unusable(InputCode.ZIP_BOMB, "member inflates past its declared size")
    if size > limits.max_file_size:
        raise Unusable(InputCode.TOO_LARGE, f"more than the cap of {limits.max_file_size} bytes")


def stage_bytes(name: str, data: bytes, staging: Path, limits: Limits) -> Staged:
    """Stage an in-memory file (STOW-RS part, PACS retrieve)."""
    if len(data) > limits.max_file_size:
        raise Unusable(InputCode.TOO_LARGE, f"{len(data)} bytes > cap {limits.max_file_size}")
    target = staging / uuid.uuid4().hex
    with target.open("wb") as dst:
        dst.write(data)
        dst.flush()
        os.fsync(dst.fileno())
    return Staged(name, target, len(data), hashlib.sha256(data).hexdigest())
