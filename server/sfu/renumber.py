"""A server offer that keeps what the session already negotiated (pure SDP text work).

aiortc's ``createOffer`` numbers everything its own way on every renegotiation: header
extensions (mid 1, audio level 2, abs-send-time 3) and payload types (opus 96, VP8 97, …). A
browser's first offer used its own numbers (opus 111, VP8 96, audio level 1, …). Browsers refuse
a reassigned extension id ("RTP extension ID reassignment not supported"), and accept new payload
types, but then send with them while aiortc's receiver keeps the codec map it started with and
drops every packet: the publisher's stream dies at the first server offer. So the server's offer
is rewritten to the numbers of the current remote description before it is set and sent.
"""

import re
from collections.abc import Iterator

MAX_ONE_BYTE_EXTENSION_ID = 14
_EXTMAP = re.compile(r"a=extmap:(?P<id>\d+)(?P<direction>/\w+)? (?P<uri>\S+)(?P<rest>.*)")
_PT_LINE = re.compile(r"a=(?P<attr>rtpmap|fmtp|rtcp-fb):(?P<pt>\d+)(?P<rest>.*)")

CodecKey = tuple[str, ...]


def keep_negotiated(offer: str, negotiated: str) -> str:
    return keep_payload_types(keep_extension_ids(offer, negotiated), negotiated)


# --- header extensions: one id space per session (BUNDLE) ---------------------------------
def keep_extension_ids(offer: str, negotiated: str) -> str:
    """The same URI keeps its id; a URI new to the session keeps its own id if free, or
    takes the first free one."""
    ids = {m["uri"]: int(m["id"]) for m in _matches(_EXTMAP, negotiated)}
    taken = set(ids.values())

    def number_for(uri: str, own: int) -> int:
        if uri not in ids:
            free = (n for n in range(1, MAX_ONE_BYTE_EXTENSION_ID + 1) if n not in taken)
            ids[uri] = own if own not in taken else next(free)
            taken.add(ids[uri])
        return ids[uri]

    def renumber(line: str) -> str:
        found = _EXTMAP.match(line)
        if found is None:
            return line
        number = number_for(found["uri"], int(found["id"]))
        return f"a=extmap:{number}{found['direction'] or ''} {found['uri']}{found['rest']}"

    return "\r\n".join(renumber(line) for line in offer.split("\r\n"))


def _matches(pattern: re.Pattern[str], sdp: str) -> Iterator[re.Match[str]]:
    for line in sdp.splitlines():
        found = pattern.match(line.strip())
        if found is not None:
            yield found


# --- payload types: per m-section (mid) ---------------------------------------------------
def keep_payload_types(offer: str, negotiated: str) -> str:
    """In every section the session already has (same mid), each codec takes the payload type
    it was negotiated with; a codec the session never had there is left out of the offer."""
    known = {mid: _codec_types(section) for mid, section in _sections(negotiated)}
    head, *sections = offer.split("\r\nm=")
    out = [head]
    for section in sections:
        mid = _mid(section)
        out.append(_renumber(section, known[mid]) if mid in known else section)
    return "\r\nm=".join(out)


def _sections(sdp: str) -> list[tuple[str | None, str]]:
    return [(_mid(s), s) for s in sdp.replace("\r\n", "\n").split("\nm=")[1:]]


def _mid(section: str) -> str | None:
    found = re.search(r"^a=mid:(\S+)", section, re.MULTILINE)
    return found[1] if found else None


def _codec_types(section: str) -> dict[CodecKey, int]:
    """codec identity → payload type in one m-section."""
    rtpmap, fmtp = _codec_lines(section)
    keys: dict[int, CodecKey] = {}
    for pt, desc in rtpmap.items():  # base codecs first: rtx names its base by type
        if not desc.lower().startswith("rtx/"):
            keys[pt] = _key(desc, fmtp.get(pt, ""))
    for pt, desc in rtpmap.items():
        apt = re.search(r"apt=(\d+)", fmtp.get(pt, ""))
        if desc.lower().startswith("rtx/") and apt and int(apt[1]) in keys:
            keys[pt] = ("rtx", *keys[int(apt[1])])
    return {key: pt for pt, key in keys.items()}


def _codec_lines(section: str) -> tuple[dict[int, str], dict[int, str]]:
    rtpmap: dict[int, str] = {}
    fmtp: dict[int, str] = {}
    for line in section.splitlines():
        found = _PT_LINE.match(line.strip())
        if found and found["attr"] != "rtcp-fb":
            table = rtpmap if found["attr"] == "rtpmap" else fmtp
            table[int(found["pt"])] = found["rest"].strip()
    return rtpmap, fmtp


def _key(desc: str, fmtp: str) -> CodecKey:
    """name/clock[/channels], plus what tells H.264 variants apart."""
    key: CodecKey = (desc.lower(),)
    if desc.lower().startswith("h264/"):
        params = dict(p.split("=", 1) for p in fmtp.replace(" ", "").split(";") if "=" in p)
        profile = params.get("profile-level-id", "").lower()
        key = (*key, profile, params.get("packetization-mode", "0"))
    return key


def _renumber(section: str, known: dict[CodecKey, int]) -> str:
    offered = _codec_types(section)
    mapping = {pt: known[key] for key, pt in offered.items() if key in known}
    if not mapping:
        return section
    lines = section.split("\r\n")
    first = lines[0].split()
    media = [*first[:3], *(str(mapping[int(pt)]) for pt in first[3:] if int(pt) in mapping)]
    rest = (_renumber_line(line, mapping) for line in lines[1:])
    return "\r\n".join([" ".join(media), *(line for line in rest if line is not None)])


def _renumber_line(line: str, mapping: dict[int, int]) -> str | None:
    found = _PT_LINE.match(line)
    if found is None:
        return line
    pt = int(found["pt"])
    if pt not in mapping:
        return None  # a codec this section never negotiated
    rest = re.sub(r"apt=(\d+)", lambda m: f"apt={mapping.get(int(m[1]), int(m[1]))}", found["rest"])
    return f"a={found['attr']}:{mapping[pt]}{rest}"
