"""docs/protocol.md stays accurate: every message, field, error code and close code is there.

The protocol document is the web client's contract; a command or field added to the code but
not to the document fails here.
"""

import dataclasses
import re
from pathlib import Path

import msgpack
import pytest

from session import codec, commands, events
from session.codec import CloseCode
from session.errors import ErrorCode
from session.grants import Grant, Role
from session.model import Annotation, AnnotationKind, ChatMessage, Layout, VoiFunction
from session.state import Participant, RoomState

DOC = (Path(__file__).parents[2] / "docs" / "protocol.md").read_text(encoding="utf-8")


def _row(name: str) -> str:
    """The table row that documents the message ``name`` (its first cell)."""
    match = re.search(rf"^\| `{re.escape(name)}` .*$", DOC, re.MULTILINE)
    assert match, f"docs/protocol.md has no table row for {name!r}"
    return match.group(0)


@pytest.mark.parametrize("name", sorted(commands.WIRE_NAMES))
def test_every_command_and_its_fields_are_documented(name: str) -> None:
    row = _row(name)
    for field in dataclasses.fields(commands.WIRE_NAMES[name]):
        assert f"`{field.name}`" in row, f"{name}.{field.name} is missing from its row"


@pytest.mark.parametrize("name", sorted(events.WIRE_NAMES))
def test_every_event_and_its_fields_are_documented(name: str) -> None:
    row = _row(name)
    for field in dataclasses.fields(events.WIRE_NAMES[name]):
        assert f"`{field.name}`" in row, f"{name}.{field.name} is missing from its row"


def test_state_fields_are_documented() -> None:
    for cls in (RoomState, Participant, Annotation, ChatMessage):
        for field in dataclasses.fields(cls):
            assert f"`{field.name}`" in DOC, f"{cls.__name__}.{field.name} is not documented"


@pytest.mark.parametrize(
    "values",
    [ErrorCode, Grant, Role, Layout, AnnotationKind, VoiFunction],
    ids=lambda e: e.__name__,
)
def test_every_enum_value_is_documented(values: type) -> None:
    for member in values:  # type: ignore[attr-defined]
        assert member.value in DOC, f"{member!r} is not documented"


def test_every_close_code_is_documented() -> None:
    for code in CloseCode:
        assert re.search(rf"^\| {int(code)} +\| `{code.name}`", DOC, re.MULTILINE), code


def test_documented_limits_match_the_codec() -> None:
    assert f"`MAX_FRAME_BYTES` = {codec.MAX_FRAME_BYTES:,}".replace(",", " ") in DOC
    for key, value in codec.codec_limits().items():
        assert re.search(rf"`{key}` \({value:,}\)".replace(",", " "), DOC), key


def _hex_after(label: str) -> bytes:
    """The first hex block after ``label``."""
    begin = DOC.index("```\n", DOC.index(label)) + 4
    return bytes.fromhex(DOC[begin : DOC.index("\n```", begin)])


def test_hex_examples_are_what_the_codec_produces() -> None:
    assert codec.decode_hello(_hex_after("**hello** —")).token == "eyJ..."
    frame = codec.decode_client(_hex_after("**Shared view command**"))
    assert codec.encode_command(frame.ref, frame.command) == _hex_after("**Shared view command**")  # type: ignore[union-attr]
    messages = codec.decode_server_frame(_hex_after("**Events, coalesced**"))
    assert [m["type"] for m in messages] == ["voi_changed", "pointer_moved"]
    stamped = [codec.stamped_from_message(m) for m in messages]
    assert codec.encode_frame([codec.encode_stamped(s) for s in stamped]) == _hex_after(
        "**Events, coalesced**"
    )
    assert codec.decode_server_frame(_hex_after("**ack**")) == [
        {"type": "ack", "ref": 7, "seq": 42}
    ]
    assert codec.decode_server_frame(_hex_after("**Error**"))[0]["code"] == "forbidden"
    ping_pong = _hex_after("**Ping / pong**")
    assert msgpack.unpackb(ping_pong[:16]) == {"type": "ping", "ref": 9}
    assert codec.decode_server_frame(ping_pong[16:])[0]["type"] == "pong"


def test_the_sfu_section_markers_stay() -> None:
    assert "<!-- BEGIN SFU SECTION" in DOC and "<!-- END SFU SECTION -->" in DOC
