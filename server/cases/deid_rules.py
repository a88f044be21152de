"""Which action Table E.1-1 asks for, for one attribute, under the chosen options.

The table (``deid_table.py``, generated from the standard) gives a basic-profile action and,
per option column, ``K`` (keep) or ``C`` (clean). A selected option overrides the basic
action; when several selected options mention an attribute the most retaining wins
(``K`` over ``C``). Compound basic actions depend on the attribute's type in the IOD
(PS3.15 E.3.1: ``X/Z`` is X unless Z is needed for Type 2, ``Z/D`` and ``X/D`` keep a dummy
for Type 1, ``X/Z/D`` either). The generated sources carry no per-IOD attribute types, so a
compound action is resolved to the variant that is conformant in *every* IOD: anything that
may need a value gets a dummy (``D``), ``X/Z`` is emptied, reference sequences (``X/Z/U*``)
are kept with their UIDs remapped. Plain ``X`` attributes are never Type 1 or 2 in a
standard IOD (that is what makes them ``X``), so they go.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from server.cases.deid_table import COLUMNS, EDITION, PRIVATE, REPEATING, TABLE


class Action(enum.StrEnum):
    REMOVE = "X"
    EMPTY = "Z"
    DUMMY = "D"
    UID = "U"
    KEEP = "K"
    CLEAN = "C"


class Dates(enum.StrEnum):
    """Retain Longitudinal Temporal Information: not at all, shifted per study, or as is."""

    REMOVED = "removed"  # basic profile: dates emptied or dummied
    SHIFTED = "shifted"  # Modified Dates Option (113107): every date moved by one offset
    FULL = "full"  # Full Dates Option (113106)


@dataclass(frozen=True, slots=True)
class Options:
    """The profile options a teaching copy uses (PS3.15 Table E.1-1 columns)."""

    dates: Dates = Dates.SHIFTED
    clean_descriptors: bool = True
    patient_characteristics: bool = False

    def columns(self) -> tuple[int, ...]:
        """Indexes into a table row of the option columns selected."""
        names = []
        if self.dates is Dates.SHIFTED:
            names.append("retain_long_modified_dates")
        if self.dates is Dates.FULL:
            names.append("retain_long_full_dates")
        if self.clean_descriptors:
            names.append("clean_descriptors")
        if self.patient_characteristics:
            names.append("retain_patient_characteristics")
        return tuple(COLUMNS.index(name) for name in names)

    def variant(self) -> str:
        """Empty for the teaching defaults, else what makes this option set's copy its own
        study (another copy of the same study: other UIDs, no clash in the store)."""
        if self == Options():
            return ""
        return f"|{self.dates}|{self.clean_descriptors}|{self.patient_characteristics}"

    def method(self) -> list[str]:
        """DeidentificationMethod values (LO, each <= 64 characters), naming the edition."""
        values = [f"PS3.15 {EDITION} Table E.1-1 Basic Profile"]
        values += [meaning for code, meaning in self.codes()[1:]]
        return values

    def codes(self) -> list[tuple[str, str]]:
        """CID 7050 (code value, meaning) of the profile and of each option applied."""
        codes = [("113100", "Basic Application Confidentiality Profile")]
        if self.dates is Dates.SHIFTED:
            codes.append(
                ("113107", "Retain Longitudinal Temporal Information Modified Dates Option")
            )
        if self.dates is Dates.FULL:
            codes.append(("113106", "Retain Longitudinal Temporal Information Full Dates Option"))
        if self.clean_descriptors:
            codes.append(("113105", "Clean Descriptors Option"))
        if self.patient_characteristics:
            codes.append(("113108", "Retain Patient Characteristics Option"))
        return codes


CLEAN_PIXEL_DATA = ("113101", "Clean Pixel Data Option")


def resolve(compound: str) -> Action:
    """The single basic action a (possibly compound) table entry becomes; see the docstring."""
    parts = compound.split("/")
    if "U*" in parts or parts == ["U"]:
        return Action.UID
    if "D" in parts:
        return Action.DUMMY
    if "Z" in parts:
        return Action.EMPTY
    return Action.REMOVE


def action_for(tag: int, options: Options) -> Action | None:
    """The action for ``tag`` (None: the table does not name it, keep it)."""
    row = _row(tag)
    if row is None:
        return None
    words = row.split()
    chosen = {words[i] for i in options.columns()} - {"-"}
    if "K" in chosen:
        return Action.KEEP
    if "C" in chosen:
        return Action.CLEAN
    return resolve(words[0])


def _row(tag: int) -> str | None:
    if tag in TABLE:
        return TABLE[tag]
    group, element = tag >> 16, tag & 0xFFFF
    if group % 2 == 1:
        return PRIVATE
    for (gmask, gvalue, emask, evalue), row in REPEATING.items():
        if group & gmask == gvalue and element & emask == evalue:
            return row
    return None


def basic_removes(tag: int) -> bool:
    """True if the basic profile (no option) may remove the attribute (``X`` in its entry)."""
    row = _row(tag)
    return row is not None and "X" in row.split()[0].split("/")
