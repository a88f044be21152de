"""Errors of the study store.

Tree::

    CasesError                  base of everything raised by ``server.cases``
    ├── StudyNotFound           a study UID the store does not hold
    └── DeidentificationRefused every instance of the study has burned-in text, unredacted

A bad *input file* is not raised: the importer reports it as an :class:`BadInput`
(name, stable code, human reason) and stores the good files beside it. A file that is
stored but deserves a word (no decoder here, a library warning) or a non-DICOM file met
while walking a folder is an :class:`ImportNotice` — a row of the report, not a refusal.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class InputCode(enum.StrEnum):
    """Stable codes for a rejected input file (clients and tests match on these)."""

    NOT_DICOM = "not_dicom"
    TRUNCATED = "truncated"
    UNSUPPORTED_TRANSFER_SYNTAX = "unsupported_transfer_syntax"
    TOO_LARGE = "too_large"
    ZIP_BOMB = "zip_bomb"
    PATH_TRAVERSAL = "path_traversal"
    UID_CONFLICT = "uid_conflict"
    MISSING_UID = "missing_uid"
    UNREADABLE = "unreadable"  # the OS refused to read it (permissions, vanished)
    BURNED_IN_ANNOTATION = "burned_in_annotation"  # held back from a teaching copy: unredacted
    STORE_FAILED = "store_failed"  # our side failed (disk full, database locked): study undone
    STUDY_OWNED_ELSEWHERE = "study_owned_elsewhere"  # a room's upload into a study not its own


class NoticeCode(enum.StrEnum):
    """Stable codes for what an import says about a file it did not refuse."""

    NOT_RENDERABLE = "not_renderable"  # stored as received; no decoder here for its pixels
    SKIPPED = "skipped"  # not DICOM (a PNG, a README) found while walking a folder or zip
    LIBRARY_WARNING = "library_warning"  # pydicom warned while reading; the file is stored


@dataclass(frozen=True)
class ImportNotice:
    """One remark about an input that was stored (or skipped as not DICOM)."""

    name: str
    code: NoticeCode
    reason: str


@dataclass(frozen=True)
class BadInput:  # trailing underscore: do not shadow the builtin ImportError
    """One rejected input: ``name`` is the path or archive member as given."""

    name: str
    code: InputCode
    reason: str


class CasesError(Exception):
    """Base class of the study store's exceptions."""


class StudyNotFound(CasesError):
    def __init__(self, study_uid: str) -> None:
        super().__init__(f"no study {study_uid!r} in the store")
        self.study_uid = study_uid


class DeidentificationRefused(CasesError):
    """Raised with code ``burned_in_annotation``: nothing left to copy once every instance
    with burned-in text and no redaction is held back."""

    code = InputCode.BURNED_IN_ANNOTATION

    def __init__(self, study_uid: str, sop_uids: tuple[str, ...]) -> None:
        super().__init__(
            f"study {study_uid!r}: all {len(sop_uids)} instance(s) held back (burned-in text);"
            " set redaction rectangles for their series first"
        )
        self.study_uid = study_uid
        self.sop_uids = sop_uids
