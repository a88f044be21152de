"""PS3.15 Annex E Table E.1-1: the Basic Application Level Confidentiality Profile column.

Actions: ``X`` remove, ``Z`` empty (or a dummy of the VR), ``D`` dummy value, ``U`` replace
the UID consistently. Compound actions of the standard (``X/Z``, ``Z/D``, ``X/D``, ``X/Z/D``,
``X/Z/U*``) depend on the IOD's attribute type; we resolve them to the variant that keeps
every IOD valid and references usable: ``X/Z/U*`` (reference sequences) → keep the items and
remap every UID inside them; otherwise anything with ``Z`` → ``Z``, else ``D`` → ``D``.
Private attributes, curve data (50xx,xxxx), overlay data (60xx,3000) and overlay comments
(60xx,4000) are removed (also ``X`` in the profile) — handled by the walker in ``deid.py``.
"""

from __future__ import annotations

import enum


class Action(enum.StrEnum):
    REMOVE = "X"
    EMPTY = "Z"
    DUMMY = "D"
    UID = "U"


def resolve(compound: str) -> Action:
    """The single action a compound profile entry becomes (see the module docstring)."""
    if "U*" in compound.split("/"):
        return Action.UID  # reference sequences: keep them, remap the UIDs inside
    parts = compound.split("/")
    for action in (Action.EMPTY, Action.UID, Action.DUMMY):
        if action.value in parts:
            return action
    return Action.REMOVE


_RAW: dict[int, str] = {
    0x00080050: "Z",  # Accession Number
    0x00184000: "X",  # Acquisition Comments
    0x00400555: "X",  # Acquisition Context Sequence
    0x00080022: "X/Z",  # Acquisition Date
    0x0008002A: "X/D",  # Acquisition DateTime
    0x00181400: "X/D",  # Acquisition Device Processing Description
    0x00189424: "X",  # Acquisition Protocol Description
    0x00080032: "X/Z",  # Acquisition Time
    0x00404035: "X",  # Actual Human Performers Sequence
    0x001021B0: "X",  # Additional Patient History
    0x00380010: "X",  # Admission ID
    0x00380020: "X",  # Admitting Date
    0x00081084: "X",  # Admitting Diagnoses Code Sequence
    0x00081080: "X",  # Admitting Diagnoses Description
    0x00380021: "X",  # Admitting Time
    0x00102110: "X",  # Allergies
    0x40000010: "X",  # Arbitrary
    0x0040A078: "X",  # Author Observer Sequence
    0x00101081: "X",  # Branch of Service
    0x00181007: "X",  # Cassette ID
    0x00400280: "X",  # Comments on the Performed Procedure Step
    0x00209161: "U",  # Concatenation UID
    0x00403001: "X",  # Confidentiality Constraint on Patient Data Description
    0x00700084: "Z",  # Content Creator's Name
    0x00700086: "X",  # Content Creator's Identification Code Sequence
    0x00080023: "Z/D",  # Content Date
    0x0040A730: "X",  # Content Sequence
    0x00080033: "Z/D",  # Content Time
    0x0008010D: "U",  # Context Group Extension Creator UID
    0x00180010: "Z/D",  # Contrast/Bolus Agent
    0x0018A003: "X",  # Contribution Description
    0x00102150: "X",  # Country of Residence
    0x00089123: "U",  # Creator Version UID
    0x00380300: "X",  # Current Patient Location
    0x00080025: "X",  # Curve Date
    0x00080035: "X",  # Curve Time
    0x0040A07C: "X",  # Custodial Organization Sequence
    0xFFFCFFFC: "X",  # Data Set Trailing Padding
    0x00082111: "X",  # Derivation Description
    0x0018700A: "X/D",  # Detector ID
    0x00181000: "X/Z/D",  # Device Serial Number
    0x00181002: "U",  # Device UID
    0x04000100: "X",  # Digital Signature UID
    0xFFFAFFFA: "X",  # Digital Signatures Sequence
    0x00209164: "U",  # Dimension Organization UID
    0x00380040: "X",  # Discharge Diagnosis Description
    0x4008011A: "X",  # Distribution Address
    0x40080119: "X",  # Distribution Name
    0x300A0013: "U",  # Dose Reference UID
    0x00102160: "X",  # Ethnic Group
    0x00080058: "U",  # Failed SOP Instance UID List
    0x0070031A: "U",  # Fiducial UID
    0x00402017: "Z",  # Filler Order Number / Imaging Service Request
    0x00209158: "X",  # Frame Comments
    0x00200052: "U",  # Frame of Reference UID
    0x00181008: "X",  # Gantry ID
    0x00181005: "X",  # Generator ID
    0x00700001: "D",  # Graphic Annotation Sequence
    0x00404037: "X",  # Human Performer's Name
    0x00404036: "X",  # Human Performer's Organization
    0x00880200: "X",  # Icon Image Sequence
    0x00084000: "X",  # Identifying Comments
    0x00204000: "X",  # Image Comments
    0x00284000: "X",  # Image Presentation Comments
    0x00402400: "X",  # Imaging Service Request Comments
    0x40080300: "X",  # Impressions
    0x00080014: "U",  # Instance Creator UID
    0x00080081: "X",  # Institution Address
    0x00080082: "X/Z/D",  # Institution Code Sequence
    0x00080080: "X/Z/D",  # Institution Name
    0x00081040: "X",  # Institutional Department Name
    0x00101050: "X",  # Insurance Plan Identification
    0x00401011: "X",  # Intended Recipients of Results Identification Sequence
    0x40080111: "X",  # Interpretation Approver Sequence
    0x4008010C: "X",  # Interpretation Author
    0x40080115: "X",  # Interpretation Diagnosis Description
    0x40080202: "X",  # Interpretation ID Issuer
    0x40080102: "X",  # Interpretation Recorder
    0x4008010B: "X",  # Interpretation Text
    0x4008010A: "X",  # Interpretation Transcriber
    0x00083010: "U",  # Irradiation Event UID
    0x00380011: "X",  # Issuer of Admission ID
    0x00100021: "X",  # Issuer of Patient ID
    0x00380061: "X",  # Issuer of Service Episode ID
    0x00281214: "U",  # Large Palette Color Lookup Table UID
    0x001021D0: "X",  # Last Menstrual Date
    0x04000404: "X",  # MAC
    0x00020003: "U",  # Media Storage SOP Instance UID
    0x00102000: "X",  # Medical Alerts
    0x00101090: "X",  # Medical Record Locator
    0x00101080: "X",  # Military Rank
    0x04000550: "X",  # Modified Attributes Sequence
    0x00203406: "X",  # Modified Image Description
    0x00203401: "X",  # Modifying Device ID
    0x00203404: "X",  # Modifying Device Manufacturer
    0x00081060: "X",  # Name of Physician(s) Reading Study
    0x00401010: "X",  # Names of Intended Recipient of Results
    0x00102180: "X",  # Occupation
    0x00081072: "X/D",  # Operator Identification Sequence
    0x00081070: "X/Z/D",  # Operators' Name
    0x04000561: "X",  # Original Attributes Sequence
    0x00402010: "X",  # Order Callback Phone Number
    0x00402008: "X",  # Order Entered By
    0x00402009: "X",  # Order Enterer Location
    0x00101000: "X",  # Other Patient IDs
    0x00101002: "X",  # Other Patient IDs Sequence
    0x00101001: "X",  # Other Patient Names
    0x00101040: "X",  # Patient's Address
    0x00101010: "X",  # Patient's Age
    0x00100030: "Z",  # Patient's Birth Date
    0x00101005: "X",  # Patient's Birth Name
    0x00100032: "X",  # Patient's Birth Time
    0x00104000: "X",  # Patient Comments
    0x00100020: "Z",  # Patient ID
    0x00380400: "X",  # Patient's Institution Residence
    0x00100050: "X",  # Patient's Insurance Plan Code Sequence
    0x00101060: "X",  # Patient's Mother's Birth Name
    0x00100010: "Z",  # Patient's Name
    0x00100101: "X",  # Patient's Primary Language Code Sequence
    0x00100102: "X",  # Patient's Primary Language Modifier Code Sequence
    0x001021F0: "X",  # Patient's Religious Preference
    0x00100040: "Z",  # Patient's Sex
    0x00102203: "X/Z",  # Patient's Sex Neutered
    0x00101020: "X",  # Patient's Size
    0x00102155: "X",  # Patient's Telecom Information
    0x00102154: "X",  # Patient's Telephone Numbers
    0x00101030: "X",  # Patient's Weight
    0x00400243: "X",  # Performed Location
    0x00400254: "X",  # Performed Procedure Step Description
    0x00400253: "X",  # Performed Procedure Step ID
    0x00400244: "X",  # Performed Procedure Step Start Date
    0x00400245: "X",  # Performed Procedure Step Start Time
    0x00400241: "X",  # Performed Station AE Title
    0x00400242: "X",  # Performed Station Name
    0x00081052: "X",  # Performing Physician Identification Sequence
    0x00081050: "X",  # Performing Physicians' Name
    0x00401102: "X",  # Person's Address
    0x00401101: "D",  # Person Identification Code Sequence
    0x0040A123: "D",  # Person Name
    0x00401103: "X",  # Person's Telephone Numbers
    0x40080114: "X",  # Physician Approving Interpretation
    0x00081062: "X",  # Physician(s) Reading Study Identification Sequence
    0x00081048: "X",  # Physician(s) of Record
    0x00081049: "X",  # Physician(s) of Record Identification Sequence
    0x00402016: "Z",  # Placer Order Number / Imaging Service Request
    0x00181004: "X",  # Plate ID
    0x00400012: "X",  # Pre-Medication
    0x001021C0: "X",  # Pregnancy Status
    0x00181030: "X/D",  # Protocol Name
    0x00402001: "X",  # Reason for the Imaging Service Request
    0x00321030: "X",  # Reason for Study
    0x04000402: "X",  # Referenced Digital Signature Sequence
    0x30060024: "U",  # Referenced Frame of Reference UID
    0x00404023: "U",  # Referenced General Purpose Scheduled Procedure Step Transaction UID
    0x00081140: "X/Z/U*",  # Referenced Image Sequence
    0x00081120: "X",  # Referenced Patient Sequence
    0x00081111: "X/Z/D",  # Referenced Performed Procedure Step Sequence
    0x04000403: "X",  # Referenced SOP Instance MAC Sequence
    0x00081155: "U",  # Referenced SOP Instance UID
    0x00041511: "U",  # Referenced SOP Instance UID in File
    0x00081110: "X/Z",  # Referenced Study Sequence
    0x00080092: "X",  # Referring Physician's Address
    0x00080096: "X",  # Referring Physician Identification Sequence
    0x00080090: "Z",  # Referring Physician's Name
    0x00080094: "X",  # Referring Physician's Telephone Numbers
    0x00102152: "X",  # Region of Residence
    0x300600C2: "U",  # Related Frame of Reference UID
    0x00400275: "X",  # Request Attributes Sequence
    0x00321070: "X",  # Requested Contrast Agent
    0x00401400: "X",  # Requested Procedure Comments
    0x00321060: "X/Z",  # Requested Procedure Description
    0x00401001: "X",  # Requested Procedure ID
    0x00401005: "X",  # Requested Procedure Location
    0x00001001: "U",  # Requested SOP Instance UID
    0x00321032: "X",  # Requesting Physician
    0x00321033: "X",  # Requesting Service
    0x00102299: "X",  # Responsible Organization
    0x00102297: "X",  # Responsible Person
    0x40084000: "X",  # Results Comments
    0x40080118: "X",  # Results Distribution List Sequence
    0x40080042: "X",  # Results ID Issuer
    0x300E0008: "X/Z",  # Reviewer Name
    0x00404034: "X",  # Scheduled Human Performers Sequence
    0x0038001E: "X",  # Scheduled Patient Institution Residence
    0x0040000B: "X",  # Scheduled Performing Physician Identification Sequence
    0x00400006: "X",  # Scheduled Performing Physician Name
    0x00400004: "X",  # Scheduled Procedure Step End Date
    0x00400005: "X",  # Scheduled Procedure Step End Time
    0x00400007: "X",  # Scheduled Procedure Step Description
    0x00400011: "X",  # Scheduled Procedure Step Location
    0x00400002: "X",  # Scheduled Procedure Step Start Date
    0x00400003: "X",  # Scheduled Procedure Step Start Time
    0x00400001: "X",  # Scheduled Station AE Title
    0x00404027: "X",  # Scheduled Station Geographic Location Code Sequence
    0x00400010: "X",  # Scheduled Station Name
    0x00404025: "X",  # Scheduled Station Name Code Sequence
    0x00321020: "X",  # Scheduled Study Location
    0x00321021: "X",  # Scheduled Study Location AE Title
    0x00080021: "X/D",  # Series Date
    0x0008103E: "X",  # Series Description
    0x0020000E: "U",  # Series Instance UID
    0x00080031: "X/D",  # Series Time
    0x00380062: "X",  # Service Episode Description
    0x00380060: "X",  # Service Episode ID
    0x001021A0: "X",  # Smoking Status
    0x00080018: "U",  # SOP Instance UID
    0x00082112: "X/Z/U*",  # Source Image Sequence
    0x00380050: "X",  # Special Needs
    0x00081010: "X/Z/D",  # Station Name
    0x00880140: "U",  # Storage Media File-set UID
    0x00324000: "X",  # Study Comments
    0x00080020: "Z",  # Study Date
    0x00081030: "X",  # Study Description
    0x00200010: "Z",  # Study ID
    0x00320012: "X",  # Study ID Issuer
    0x0020000D: "U",  # Study Instance UID
    0x00080030: "Z",  # Study Time
    0x00200200: "U",  # Synchronization Frame of Reference UID
    0x0040DB0D: "U",  # Template Extension Creator UID
    0x0040DB0C: "U",  # Template Extension Organization UID
    0x40004000: "X",  # Text Comments
    0x20300020: "X",  # Text String
    0x00080201: "X",  # Timezone Offset From UTC
    0x00880910: "X",  # Topic Author
    0x00880912: "X",  # Topic Keywords
    0x00880906: "X",  # Topic Subject
    0x00880904: "X",  # Topic Title
    0x00081195: "U",  # Transaction UID
    0x0040A124: "U",  # UID
    0x0040A088: "Z",  # Verifying Observer Identification Code Sequence
    0x0040A075: "D",  # Verifying Observer Name
    0x0040A073: "D",  # Verifying Observer Sequence
    0x0040A027: "X",  # Verifying Organization
    0x00384000: "X",  # Visit Comments
    # Entries of later editions of the table (UIDs that identify instances, more dates).
    0x0040A171: "U",  # Observation UID
    0x00620021: "U",  # Tracking UID
    0x00400554: "U",  # Specimen UID
    0x00182042: "U",  # Target UID
    0x00640003: "U",  # Source Frame of Reference UID
    0x00701101: "U",  # Presentation Display Collection UID
    0x00701102: "U",  # Presentation Sequence Collection UID
    0x00281199: "U",  # Palette Color Lookup Table UID
    0x00080017: "U",  # Acquisition UID
    0x00080012: "X/D",  # Instance Creation Date
    0x00080013: "X/D",  # Instance Creation Time
    0x00189516: "X/D",  # Start Acquisition DateTime
    0x00189517: "X/D",  # End Acquisition DateTime
    0x00181200: "X",  # Date of Last Calibration
    0x00181201: "X",  # Time of Last Calibration
}

PROFILE: dict[int, Action] = {tag: resolve(raw) for tag, raw in _RAW.items()}
"""Tag → the action applied (compound entries already resolved)."""

RAW_PROFILE: dict[int, str] = dict(_RAW)
"""Tag → the action as the standard writes it (for reports and tests)."""
