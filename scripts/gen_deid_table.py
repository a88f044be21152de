"""Generate ``server/cases/deid_table.py`` from PS3.15 Annex E Table E.1-1.

Two machine-readable extractions of the standard's table are merged, because no single one
offline has both the current edition and the option columns:

- the basic profile action of every row of the current edition, from the PyPI package
  ``dicom-anonymizer`` (KitwareMedical, BSD), which tracks the table edition by edition
  (``dicom_anonymization_databases/dicomfields_<edition>.py``: one list of tags per action);
- the option columns (Retain Longitudinal Temporal Information, Clean Descriptors, Retain
  Patient Characteristics...), from innolitics/dicom-standard's
  ``standard/confidentiality_profile_attributes.json`` (parsed from the standard's own
  ``part15.html``), whose newest extraction is older. A row added after that edition gets no
  option: its basic action applies whatever the options (the conservative side). Rows of both
  sources agree on the basic action (the generator checks it).

The build machines reach only package registries, so both inputs are local files and the
generated module is committed; nothing is downloaded at run time. To regenerate::

    pip download --no-deps dicom-anonymizer==2.1.0 && unzip dicom_anonymizer-2.1.0-*.whl
    git -C dicom-standard show 8670abd:standard/confidentiality_profile_attributes.json > t.json
    python scripts/gen_deid_table.py \\
        dicomanonymizer/dicom_anonymization_databases/dicomfields_2026c.py 2026c t.json 2024b
    ruff format server/cases/deid_table.py

Inputs of the committed table (SHA-256): dicom_anonymizer-2.1.0-py3-none-any.whl
bf642a6b43afd362faa2c7d2b101a3d4765cf85cf0d7590795e3ee556e636b8b; the JSON at 8670abd
a99a35d1278e2bace8d90ff791b11aea2d45f1e3e1230388eb5224c9dbcd29e6. Regenerating from them
gives the committed file byte for byte.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "server" / "cases" / "deid_table.py"

# JSON key -> column name in the generated module (the order of Table E.1-1's columns)
COLUMNS = {
    "basicProfile": "basic",
    "rtnSafePrivOpt": "retain_safe_private",
    "rtnUIDsOpt": "retain_uids",
    "rtnDevIdOpt": "retain_device_identity",
    "rtnInstIdOpt": "retain_institution_identity",
    "rtnPatCharsOpt": "retain_patient_characteristics",
    "rtnLongFullDatesOpt": "retain_long_full_dates",
    "rtnLongModifDatesOpt": "retain_long_modified_dates",
    "cleanDescOpt": "clean_descriptors",
    "cleanStructContOpt": "clean_structured_content",
    "cleanGraphOpt": "clean_graphics",
}
# dicom-anonymizer's list name -> the table's basic profile action
BASIC_LISTS = {
    "D_TAGS": "D",
    "Z_TAGS": "Z",
    "X_TAGS": "X",
    "U_TAGS": "U",
    "Z_D_TAGS": "Z/D",
    "X_Z_TAGS": "X/Z",
    "X_D_TAGS": "X/D",
    "X_Z_D_TAGS": "X/Z/D",
    "X_Z_U_STAR_TAGS": "X/Z/U*",
}
_LIST = re.compile(r"^([A-Z_]+) = \[")
_TAG = re.compile(r"^\s*\(0x([0-9A-Fa-f]{4}), 0x([0-9A-Fa-f]{4})\),\s*#\s*(.*)$")

HEADER = '''"""PS3.15 {edition} Annex E Table E.1-1, every row: GENERATED, do not edit.

Written by ``scripts/gen_deid_table.py``: the basic profile of edition {edition} (from the
``dicom-anonymizer`` package's table of that edition), the option columns of edition
{options_edition} (innolitics/dicom-standard's extraction; rows added since have none).
``TABLE`` maps a tag to its actions, one word per column of :data:`COLUMNS` (``-`` where
the column does not mention the attribute); ``REPEATING`` holds the rows of repeating groups
(``xx`` in the group), as (group mask, group value, element mask, element value) → actions;
``PRIVATE`` the row of private attributes (odd groups).
How the actions are applied is ``server/cases/deid_rules.py``'s business.
"""

from __future__ import annotations

from typing import Final

EDITION: Final = "{edition}"
OPTIONS_EDITION: Final = "{options_edition}"
COLUMNS: Final = {columns!r}

Actions = str  # one word per column of COLUMNS, "-" where the column says nothing

'''


def read_basic(path: Path) -> dict[int, tuple[str, str]]:
    """tag -> (basic action, name) from a ``dicomfields_<edition>.py`` (read as text)."""
    rows: dict[int, tuple[str, str]] = {}
    action = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if started := _LIST.match(line):
            action = BASIC_LISTS.get(started.group(1))
        elif (tag := _TAG.match(line)) and action is not None:
            rows[int(tag.group(1) + tag.group(2), 16)] = (action, tag.group(3).strip())
    return rows


def _options(row: dict[str, str]) -> list[str]:
    return [row.get(key) or "-" for key in list(COLUMNS)[1:]]


def _name(row: dict[str, str]) -> str:
    return " ".join(row["name"].split())  # some names carry a line break and a note


def _fit(line: str, width: int = 100) -> str:
    return line if len(line) <= width else line[: width - 3] + "..."


def _mask(part: str) -> tuple[int, int]:
    """``60XX`` -> (0xFF00, 0x6000): which bits must match, and their value."""
    mask = int("".join("0" if c in "xX" else "F" for c in part), 16)
    return mask, int(part.upper().replace("X", "0"), 16)


def render(
    basic: dict[int, tuple[str, str]], rows: list[dict[str, str]], editions: dict[str, str]
) -> str:
    out = [HEADER.format(columns=tuple(COLUMNS.values()), **editions)]
    options: dict[int, list[str]] = {}
    repeating, private = [], ""
    for row in rows:
        group, element = row["tag"].strip("()").split(",")
        if "GGGG" in group.upper():  # "(gggg,eeee) where gggg is odd"
            private = " ".join([row["basicProfile"], *_options(row)])
        elif "X" in (group + element).upper():
            repeating.append((group, element, row))
        else:
            tag = int(group + element, 16)
            if tag in basic and basic[tag][0] != row["basicProfile"]:
                raise SystemExit(f"{row['tag']}: {basic[tag][0]} vs {row['basicProfile']}")
            options[tag] = _options(row)
    out.append("TABLE: Final[dict[int, Actions]] = {")
    for tag, (action, name) in sorted(basic.items()):
        words = " ".join([action, *options.get(tag, ["-"] * (len(COLUMNS) - 1))])
        out.append(_fit(f'    0x{tag:08X}: "{words}",  # {name}'))
    out.append("}\n")
    out.append("REPEATING: Final[dict[tuple[int, int, int, int], Actions]] = {")
    for group, element, row in repeating:
        key = ", ".join(f"0x{n:04X}" for n in (*_mask(group), *_mask(element)))
        words = " ".join([row["basicProfile"], *_options(row)])
        out.append(f'    ({key}): "{words}",  # {row["tag"]} {_name(row)}')
    out.append("}\n")
    out.append(f'PRIVATE: Final[Actions] = "{private}"  # (gggg,eeee) where gggg is odd')
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("basic", type=Path, help="dicom-anonymizer's dicomfields_<edition>.py")
    parser.add_argument("edition", help="its edition, e.g. 2026c")
    parser.add_argument("options", type=Path, help="confidentiality_profile_attributes.json")
    parser.add_argument("options_edition", help="its edition, e.g. 2024b")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    rows = json.loads(args.options.read_text(encoding="utf-8"))
    editions = {"edition": args.edition, "options_edition": args.options_edition}
    text = render(read_basic(args.basic), rows, editions)
    args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
