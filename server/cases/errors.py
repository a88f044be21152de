"""Errors of the study store.

Tree::

    CasesError                  base of everything raised by ``server.cases``
    ├── StudyNotFound           a study UID the store does not hold
    └── DeidentificationRefused every instance of the study has burned-in text, unredacted

A bad *input file* is not raised: the importer reports it as an :class:`ImportError_`
(name, stable code, human reason) and leaves the store unchanged for that study.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ErrorCode(enum.StrEnum):
    """Stable codes for a rejected input file (clients and tests match on these)."""

    NOT_DICOM = "not_dicom"
    TRUNCATED = "truncated"
    UNSUPPORTED_TRANSFER_SYNTAX = "unsupported_transfer_syntax"
    TOO_LARGE = "too_large"
    ZIP_BOMB = "zip_bomb"
    PATH_TRAVERSAL = "path_traversal"
    UID_CONFLICT = "uid_conflict"
    MISSING_UID = "missing_uid"
    STUDY_REJECTED = "study_rejected"  # a good file whose study had a bad file (all-or-nothing)
    UNREADABLE = "unreadable"  # the OS refused to read it (permissions, vanished)
    BURNED_IN_ANNOTATION = "burned_in_annotation"  # held back from a teaching copy: unredacted
    STORE_FAILED = "store_failed"  # our side failed (disk full, database locked): study undone


@dataclass(frozen=True)
class ImportError_:  # trailing underscore: do not shadow the builtin ImportError
    """One rejected input: ``name`` is the path or archive member as given."""

    name: str
    code: ErrorCode
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

    code = ErrorCode.BURNED_IN_ANNOTATION

    def __init__(self, study_uid: str, sop_uids: tuple[str, ...]) -> None:
        super().__init__(
            f"study {study_uid!r}: all {len(sop_uids)} instance(s) held back (burned-in text);"
            " set redaction rectangles for their series first"
        )
        self.study_uid = study_uid
        self.sop_uids = sop_uids
