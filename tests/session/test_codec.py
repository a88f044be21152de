"""The wire codec: round trips for every message, every refusal, and garbage never escapes.

Valid values are generated from the same type hints the codec walks (``values(tp)``), so a new
command or event field is covered without touching this file.
"""

import contextlib
import dataclasses
import math
import typing
from enum import StrEnum
from typing import Any, NewType

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from session import codec, commands, events
from session.codec import (
    MAX_FRAME_BYTES,
    CloseCode,
    CommandFrame,
    Hello,
    PingFrame,
    ProtocolError,
    SignalFrame,
)
from session.commands import CreateAnnotation, SetGrants, SetVoi
from session.errors import ErrorCode
from session.events import AnnotationCreated, PointerMoved, Stamped
from session.grants import Grant, Role
from session.ids import AnnotationId, ParticipantId, RoomId, Seq, Uid
from session.model import AnnotationKind, ImageRef, Layout, Voi, VoiFunction
from session.room import Snapshot
from session.state import Participant, RoomState
from session.wire_schema import Schema

PID = ParticipantId("alice")
IMAGE = ImageRef(Uid("1.2.3"), Uid("1.2.3.4"), Uid("1.2.3.4.5"))


# --- valid values, generated from type hints --------------------------------------------------
_IDS = st.from_regex(r"[\x21-\x7e]{1,64}", fullmatch=True)
_NEWTYPES: dict[object, st.SearchStrategy[Any]] = {
    ParticipantId: _IDS,
    AnnotationId: _IDS,
    RoomId: st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True),
    Uid: st.from_regex(r"[0-9]{1,8}(\.[0-9]{1,8}){0,6}", fullmatch=True),
}
_SCALARS: dict[object, st.SearchStrategy[Any]] = {
    int: st.integers(-(2**31), 2**31 - 1),
    float: st.floats(allow_nan=False, allow_infinity=False),
    bool: st.booleans(),
    str: st.text(max_size=40),
}


def values(tp: Any) -> st.SearchStrategy[Any]:
    """Valid values of a type hint (the same hints ``session.wire_schema`` walks)."""
    if tp in _SCALARS:
        return _SCALARS[tp]
    if tp in _NEWTYPES:
        return _NEWTYPES[tp]
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return st.sampled_from(list(tp))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        fields = {f.name: values(hints[f.name]) for f in dataclasses.fields(tp) if f.init}
        return st.builds(tp, **fields)
    return _generic_values(typing.get_origin(tp), typing.get_args(tp))


def _generic_values(origin: object, args: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    if origin is tuple and args[1:] == (Ellipsis,):
        return st.lists(values(args[0]), max_size=4).map(tuple)
    if origin is tuple:
        return st.tuples(*(values(a) for a in args))
    if origin is frozenset:
        return st.frozensets(values(args[0]))
    if origin is list:
        return st.lists(values(args[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(values(args[0]), values(args[1]), max_size=3)
    return st.none() | values(next(a for a in args if a is not type(None)))  # Optional


REFS = st.integers(0, codec.MAX_REF)


@pytest.mark.parametrize("cls", list(commands.WIRE_NAMES.values()), ids=lambda c: c.__name__)
@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_command_round_trips(cls: type, data: st.DataObject) -> None:
    command, ref = data.draw(values(cls)), data.draw(REFS)
    assert codec.decode_client(codec.encode_command(ref, command)) == CommandFrame(ref, command)


@pytest.mark.parametrize("cls", list(events.WIRE_NAMES.values()), ids=lambda c: c.__name__)
@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_event_round_trips(cls: type, data: st.DataObject) -> None:
    stamped = Stamped(
        seq=data.draw(st.none() | st.integers(1, 2**31 - 1)),
        at=data.draw(_SCALARS[float]),
        by=data.draw(st.none() | _NEWTYPES[ParticipantId]),
        event=data.draw(values(cls)),
    )
    wire = codec.stamped_to_wire(stamped)
    assert codec.stamped_from_wire(wire) == stamped
    [message] = codec.decode_server_frame(codec.encode_frame([codec.encode_stamped(stamped)]))
    assert message["type"] == codec.wire_name(stamped.event)
    assert codec.stamped_from_message(message) == stamped


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(state=values(RoomState))
def test_state_round_trips(state: RoomState) -> None:
    wire = codec.state_to_wire(state)
    assert codec.state_from_wire(msgpack.unpackb(msgpack.packb(wire))) == state


def test_wire_shapes_follow_the_protocol_document() -> None:
    command = SetVoi(0, Voi(40.0, 400.0))
    assert msgpack.unpackb(codec.encode_command(7, command)) == {
        "type": "set_voi",
        "ref": 7,
        "viewport": 0,
        "voi": {"center": 40.0, "width": 400.0, "function": "LINEAR"},
    }
    grants = SetGrants(PID, frozenset({Grant.POINT, Grant.CHAT}))
    assert msgpack.unpackb(codec.encode_command(1, grants))["grants"] == ["chat", "point"]
    annotation = dataclasses.replace(_annotation(), points=((1.5, 2.0), (3.0, 4.0)))
    event = msgpack.unpackb(
        codec.encode_stamped(Stamped(9, 1.5, PID, AnnotationCreated(annotation)))
    )
    assert event["annotation"]["points"] == [[1.5, 2.0], [3.0, 4.0]]
    assert event["annotation"]["image"] == {
        "study": "1.2.3",
        "series": "1.2.3.4",
        "sop": "1.2.3.4.5",
        "frame": 1,
    }
    assert (event["type"], event["seq"], event["at"], event["by"]) == (
        "annotation_created",
        9,
        1.5,
        "alice",
    )
    pointer = msgpack.unpackb(
        codec.encode_stamped(Stamped(None, 2.0, PID, PointerMoved(PID, 0, None)))
    )
    assert pointer == {
        "type": "pointer_moved",
        "seq": None,
        "at": 2.0,
        "by": "alice",
        "participant": "alice",
        "viewport": 0,
        "position": None,
    }


def _annotation() -> Any:
    from session.model import Annotation

    return Annotation(
        AnnotationId("a1"), AnnotationKind.LENGTH, IMAGE, ((0.0, 0.0), (1.0, 1.0)), PID, 1
    )


def test_no_field_collides_with_the_envelope() -> None:
    for cls in commands.WIRE_NAMES.values():
        assert not {"type", "ref"} & {f.name for f in dataclasses.fields(cls)}
    for event_cls in events.WIRE_NAMES.values():
        assert not {"type", "seq", "at", "by"} & {f.name for f in dataclasses.fields(event_cls)}


def test_defaults_may_be_omitted_and_integers_stand_for_floats() -> None:
    frame = _decode(
        {"type": "set_voi", "ref": 1, "viewport": 0, "voi": {"center": 40, "width": 400}}
    )
    assert frame == CommandFrame(1, SetVoi(0, Voi(40.0, 400.0, VoiFunction.LINEAR)))
    assert isinstance(frame.command.voi.center, float)
    create = _decode(
        {
            "type": "create_annotation",
            "ref": 2,
            "id": "a1",
            "kind": "probe",
            "image": {"study": "1", "series": "1.2", "sop": "1.2.3"},
            "points": [[10, 20.5]],
        }
    )
    assert create == CommandFrame(
        2,
        CreateAnnotation(
            AnnotationId("a1"),
            AnnotationKind.PROBE,
            ImageRef(Uid("1"), Uid("1.2"), Uid("1.2.3")),
            ((10.0, 20.5),),
        ),
    )


def _decode(message: object) -> Any:
    return codec.decode_client(msgpack.packb(message))


# --- ping, signalling, hello ------------------------------------------------------------------
def test_ping_and_pong() -> None:
    assert _decode({"type": "ping", "ref": 3}) == PingFrame(3)
    assert msgpack.unpackb(codec.encode_ping(3)) == {"type": "ping", "ref": 3}
    assert msgpack.unpackb(codec.encode_pong(3, 12.5)) == {"type": "pong", "ref": 3, "at": 12.5}


def test_signalling_frames() -> None:
    assert _decode({"type": "rtc_offer", "ref": 4, "sdp": "v=0"}) == SignalFrame(
        4, "rtc_offer", "v=0"
    )
    assert _decode({"type": "rtc_answer", "ref": 5, "sdp": "v=0"}).type == "rtc_answer"
    assert msgpack.unpackb(codec.encode_signal("rtc_offer", None, "v=0")) == {
        "type": "rtc_offer",
        "ref": None,
        "sdp": "v=0",
    }
    with pytest.raises(ValueError, match="signalling"):
        codec.encode_signal("rtc_candidate", 1, "")
    long_sdp = "a" * codec.MAX_SDP_CHARS
    assert _decode({"type": "rtc_answer", "ref": 5, "sdp": long_sdp}).sdp == long_sdp


def test_hello() -> None:
    assert codec.decode_hello(codec.encode_hello("jwt")) == Hello((1,), "jwt", None)
    assert codec.decode_hello(codec.encode_hello("jwt", 41)).resume_from == 41
    bare = msgpack.packb({"type": "hello", "versions": [1, 2], "token": "t"})
    hello = codec.decode_hello(bare)
    assert hello == Hello((1, 2), "t")
    assert codec.negotiate(hello) == codec.PROTOCOL_VERSION


def test_version_negotiation_fails_without_a_common_version() -> None:
    with pytest.raises(ProtocolError) as caught:
        codec.negotiate(Hello((2, 3), "t"))
    assert caught.value.code is ErrorCode.UNSUPPORTED_VERSION
    assert codec.hello_close_code(caught.value) is CloseCode.UNSUPPORTED_VERSION


_HELLO = {"type": "hello", "versions": [1], "token": "t", "resume_from": None}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"type": "ping"}, ErrorCode.BAD_REQUEST),
        ({"extra": 1}, ErrorCode.BAD_REQUEST),
        ({"versions": []}, ErrorCode.BAD_REQUEST),
        ({"versions": 1}, ErrorCode.BAD_REQUEST),
        ({"versions": list(range(17))}, ErrorCode.BAD_REQUEST),
        ({"versions": ["1"]}, ErrorCode.BAD_REQUEST),
        ({"versions": [True]}, ErrorCode.BAD_REQUEST),
        ({"versions": [-1]}, ErrorCode.BAD_REQUEST),
        ({"token": None}, ErrorCode.UNAUTHORIZED),
        ({"token": ""}, ErrorCode.UNAUTHORIZED),
        ({"token": 5}, ErrorCode.UNAUTHORIZED),
        ({"token": "x" * 4097}, ErrorCode.UNAUTHORIZED),
        ({"resume_from": -1}, ErrorCode.BAD_REQUEST),
        ({"resume_from": "3"}, ErrorCode.BAD_REQUEST),
        ({"resume_from": 2**53 + 1}, ErrorCode.BAD_REQUEST),
    ],
)
def test_bad_hello(change: dict[str, Any], code: ErrorCode) -> None:
    with pytest.raises(ProtocolError) as caught:
        codec.decode_hello(msgpack.packb(_HELLO | change))
    assert caught.value.code is code


def test_hello_token_limits_and_missing_token() -> None:
    assert codec.decode_hello(msgpack.packb(_HELLO | {"token": "x" * 4096})).token == "x" * 4096
    with pytest.raises(ProtocolError) as caught:
        codec.decode_hello(msgpack.packb({"type": "hello", "versions": [1]}))
    assert codec.hello_close_code(caught.value) is CloseCode.UNAUTHORIZED


@pytest.mark.parametrize(
    ("data", "close"),
    [
        (b"\xc1", CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1]), CloseCode.PROTOCOL_ERROR),
        (b"\x80" + b"\x00" * MAX_FRAME_BYTES, CloseCode.TOO_BIG),
    ],
)
def test_hello_garbage_closes_with_the_documented_code(data: bytes, close: CloseCode) -> None:
    with pytest.raises(ProtocolError) as caught:
        codec.decode_hello(data)
    assert codec.hello_close_code(caught.value) is close


# --- refusals ---------------------------------------------------------------------------------
_VOI = {"type": "set_voi", "ref": 8, "viewport": 0, "voi": {"center": 1.0, "width": 2.0}}
_INVERT = {"type": "set_invert", "ref": 10, "viewport": 0, "invert": True}
_CREATE = {
    "type": "create_annotation",
    "ref": 9,
    "id": "a1",
    "kind": "length",
    "image": {"study": "1.2", "series": "1.2.3", "sop": "1.2.3.4", "frame": 1},
    "points": [[0.0, 0.0], [1.0, 1.0]],
    "text": "",
}


def _with(base: dict[str, Any], path: str, value: object) -> dict[str, Any]:
    """A copy of ``base`` with the dotted ``path`` set (or removed when value is ``...``)."""
    out = dict(base)
    head, _, rest = path.partition(".")
    if rest:
        out[head] = _with(out[head], rest, value)
    elif value is ...:
        del out[head]
    else:
        out[head] = value
    return out


_REFUSALS: list[tuple[str, dict[str, Any], str, object]] = [
    ("extra field", _VOI, "zoom", 1.0),
    ("missing field", _VOI, "viewport", ...),
    ("missing nested field", _VOI, "voi.width", ...),
    ("extra nested field", _VOI, "voi.level", 3),
    ("str for int", _VOI, "viewport", "0"),
    ("bool for int", _VOI, "viewport", True),
    ("float for int", _VOI, "viewport", 0.0),
    ("int too big", _VOI, "viewport", 2**31),
    ("int too small", _VOI, "viewport", -(2**31) - 1),
    ("nan", _VOI, "voi.center", math.nan),
    ("inf", _VOI, "voi.width", math.inf),
    ("-inf", _VOI, "voi.width", -math.inf),
    ("bool for float", _VOI, "voi.width", False),
    ("str for float", _VOI, "voi.width", "400"),
    ("huge int for float", _VOI, "voi.width", 2**53 + 1),
    ("int for bool", _INVERT, "invert", 1),
    ("nil for bool", _INVERT, "invert", None),
    ("bad enum", _VOI, "voi.function", "linear"),
    ("int for enum", _VOI, "voi.function", 1),
    ("list for dataclass", _VOI, "voi", [1.0, 2.0]),
    ("deeply nested value", _VOI, "voi", msgpack.unpackb(b"\x91" * 1000 + b"\xc0")),
    ("too many points", _CREATE, "points", [[0.0, 0.0]] * 65),
    ("point of three", _CREATE, "points", [[0.0, 0.0, 0.0], [1.0, 1.0]]),
    ("point as map", _CREATE, "points", [{"x": 0.0, "y": 0.0}, [1.0, 1.0]]),
    ("points as map", _CREATE, "points", {"0": [0.0, 0.0]}),
    ("text too long", _CREATE, "text", "x" * 2001),
    ("bytes for text", _CREATE, "text", b"x"),
    ("empty id", _CREATE, "id", ""),
    ("id with space", _CREATE, "id", "a 1"),
    ("id non-ascii", _CREATE, "id", "注释"),
    ("id too long", _CREATE, "id", "a" * 65),
    ("uid with letters", _CREATE, "image.sop", "1.2.x"),
    ("uid trailing dot", _CREATE, "image.sop", "1.2."),
    ("uid too long", _CREATE, "image.sop", "1." * 32 + "1"),
    ("uid empty", _CREATE, "image.study", ""),
    ("extension type in a field", _CREATE, "text", msgpack.ExtType(5, b"x")),
    ("timestamp in a nested field", _VOI, "voi.center", msgpack.Timestamp(1, 0)),
]


@pytest.mark.parametrize(
    "data",
    [
        b"\x83\xa4type\xa4ping\xa3ref\x05\xa3ref\x06",  # msgpack allows it; last-wins hides bugs
        b"\x83\xa4type\xa7set_voi\xa3ref\x01\xa3voi\x82\xa6center\x01\xa6center\x02",
    ],
    ids=["top level", "nested"],
)
def test_duplicate_map_keys_are_bad_requests(data: bytes) -> None:
    """docs/protocol.md, Encoding rules: a map gives each key at most once."""
    with pytest.raises(ProtocolError) as caught:
        codec.decode_client(data)
    assert (caught.value.code, caught.value.ref) == (ErrorCode.BAD_REQUEST, None)
    assert "twice" in caught.value.message


def test_a_hello_with_a_duplicate_key_closes_4000() -> None:
    data = b"\x84\xa4type\xa5hello\xa8versions\x91\x01\xa5token\xa1t\xa5token\xa1u"
    with pytest.raises(ProtocolError) as caught:
        codec.decode_hello(data)
    assert codec.hello_close_code(caught.value) is CloseCode.PROTOCOL_ERROR


@pytest.mark.parametrize(
    ("base", "path", "value"), [r[1:] for r in _REFUSALS], ids=[r[0] for r in _REFUSALS]
)
def test_invalid_fields_are_bad_requests_that_keep_the_ref(
    base: dict[str, Any], path: str, value: object
) -> None:
    with pytest.raises(ProtocolError) as caught:
        _decode(_with(base, path, value))
    assert (caught.value.code, caught.value.ref) == (ErrorCode.BAD_REQUEST, base["ref"])
    assert (
        path.rsplit(".", maxsplit=1)[-1] in caught.value.message
        or "no field" in caught.value.message
    )


def test_longest_accepted_values() -> None:
    points = [[float(i), 0.0] for i in range(64)]
    frame = _decode(_with(_CREATE, "points", points) | {"text": "x" * 2000, "id": "~" * 64})
    assert len(frame.command.points) == 64
    assert _decode(_with(_CREATE, "image.sop", "1" * 64)).command.image.sop == "1" * 64


def test_set_grants_refuses_unknown_grants_and_accepts_duplicates() -> None:
    message = {"type": "set_grants", "ref": 1, "participant": "bob", "grants": ["chat", "chat"]}
    assert _decode(message).command.grants == frozenset({Grant.CHAT})
    with pytest.raises(ProtocolError) as caught:
        _decode(message | {"grants": ["chat", "fly"]})
    assert "grants[1]" in caught.value.message


@pytest.mark.parametrize(
    ("message", "code", "ref"),
    [
        ({"type": "teleport", "ref": 4}, ErrorCode.UNKNOWN_COMMAND, 4),
        ({"type": "teleport"}, ErrorCode.UNKNOWN_COMMAND, None),
        ({"type": "hello", "ref": 1}, ErrorCode.UNKNOWN_COMMAND, 1),
        ({"type": 3, "ref": 4}, ErrorCode.BAD_REQUEST, 4),
        ({"ref": 4}, ErrorCode.BAD_REQUEST, 4),
        ({"type": "ping"}, ErrorCode.BAD_REQUEST, None),
        ({"type": "ping", "ref": -1}, ErrorCode.BAD_REQUEST, None),
        ({"type": "ping", "ref": 2**31}, ErrorCode.BAD_REQUEST, None),
        ({"type": "ping", "ref": True}, ErrorCode.BAD_REQUEST, None),
        ({"type": "ping", "ref": 1.0}, ErrorCode.BAD_REQUEST, None),
        ({"type": "ping", "ref": 2, "at": 1.0}, ErrorCode.BAD_REQUEST, 2),
        ({"type": "rtc_offer", "ref": 2}, ErrorCode.BAD_REQUEST, 2),
        ({"type": "rtc_offer", "ref": 2, "sdp": "v", "x": 1}, ErrorCode.BAD_REQUEST, 2),
        ({"type": "rtc_offer", "ref": 2, "sdp": "v" * 60_001}, ErrorCode.BAD_REQUEST, 2),
        ({"type": "release_control", "ref": 2, "now": 1}, ErrorCode.BAD_REQUEST, 2),
    ],
)
def test_envelope_refusals(message: dict[str, Any], code: ErrorCode, ref: int | None) -> None:
    with pytest.raises(ProtocolError) as caught:
        _decode(message)
    assert (caught.value.code, caught.value.ref) == (code, ref)


def _deep(levels: int) -> bytes:
    return b"\x91" * levels + b"\xc0"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", ErrorCode.BAD_REQUEST),
        (b"\xc1", ErrorCode.BAD_REQUEST),  # never used
        (msgpack.packb({"type": "ping", "ref": 1}) + b"\x00", ErrorCode.BAD_REQUEST),  # trailing
        (msgpack.packb({"type": "ping", "ref": 1})[:-1], ErrorCode.BAD_REQUEST),  # truncated
        (msgpack.packb([{"type": "ping", "ref": 1}]), ErrorCode.BAD_REQUEST),
        (msgpack.packb("ping"), ErrorCode.BAD_REQUEST),
        (msgpack.packb({1: "ping"}), ErrorCode.BAD_REQUEST),  # non-string key
        (msgpack.packb({"type": "ping", "ref": 1, "b": b"x"}), ErrorCode.BAD_REQUEST),  # bin
        (msgpack.packb({"type": "ping", "ref": msgpack.ExtType(5, b"x")}), ErrorCode.BAD_REQUEST),
        (b"\x81\xa4type\xa2\xff\xfe", ErrorCode.BAD_REQUEST),  # invalid UTF-8
        (b"\x81\xa4type" + _deep(2000), ErrorCode.BAD_REQUEST),  # nesting too deep
        (b"\x80" * (MAX_FRAME_BYTES + 1), ErrorCode.TOO_LARGE),
    ],
)
def test_garbage_frames(data: bytes, code: ErrorCode) -> None:
    with pytest.raises(ProtocolError) as caught:
        codec.decode_client(data)
    assert caught.value.code is code


# --- hypothesis: nothing but ProtocolError escapes --------------------------------------------
_ANY = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats()
    | st.text(max_size=20)
    | st.binary(max_size=8)
    | st.sampled_from(["ping", "set_voi", "create_annotation", "hello", "1.2.3", "chat"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


_DECODERS = (
    codec.decode_client,
    codec.decode_hello,
    codec.stamped_from_wire,
    codec.snapshot_from_wire,
    codec.decode_server_frame,
)


def _only_protocol_errors(data: bytes) -> None:
    for decode in _DECODERS:
        try:
            decode(data)
        except ProtocolError as error:
            assert isinstance(error.code, ErrorCode)


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_protocol_errors(data: bytes) -> None:
    _only_protocol_errors(data)


@settings(max_examples=300)
@given(_ANY)
def test_random_msgpack_raises_only_protocol_errors(value: object) -> None:
    _only_protocol_errors(msgpack.packb(value, use_bin_type=True))


_TEMPLATES = [
    _VOI,
    _CREATE,
    _HELLO,
    {"type": "set_grants", "ref": 1, "participant": "b", "grants": []},
]


@settings(max_examples=300)
@given(st.sampled_from(_TEMPLATES), st.data())
def test_mutated_valid_frames_raise_only_protocol_errors(
    template: dict[str, Any], data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(sorted(template)))
    _only_protocol_errors(msgpack.packb(template | {key: data.draw(_ANY)}, use_bin_type=True))


@settings(max_examples=100)
@given(values(RoomState).map(codec.state_to_wire), st.data())
def test_mutated_states_raise_only_protocol_errors(
    wire: dict[str, Any], data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(sorted(wire)))
    with contextlib.suppress(ProtocolError):
        codec.state_from_wire(wire | {key: data.draw(_ANY)})


# --- server messages --------------------------------------------------------------------------
def _state() -> RoomState:
    state = RoomState(RoomId("r1"), title="Case 7", layout=Layout.SIDE_BY_SIDE)
    state.participants[PID] = Participant(PID, "Dr. Wang", Role.HOST, frozenset(Grant), 1.0)
    state.annotations[AnnotationId("a1")] = _annotation()
    return state


def test_welcome_with_snapshot_and_when_resuming() -> None:
    snapshot = Snapshot(seq=12, at=100.0, state=_state())
    common: dict[str, Any] = {
        "room": RoomId("r1"),
        "you": PID,
        "role": Role.HOST,
        "grants": frozenset({Grant.DRIVE, Grant.CHAT}),
        "seq": 12,
        "at": 100.5,
        "limits": codec.codec_limits(),
    }
    [welcome] = codec.decode_server_frame(
        codec.encode_frame([codec.encode_welcome(**common, snapshot=snapshot)])
    )
    assert welcome == {
        "type": "welcome",
        "v": 1,
        "room": "r1",
        "you": "alice",
        "role": "host",
        "grants": ["chat", "drive"],
        "seq": 12,
        "at": 100.5,
        "limits": codec.codec_limits(),
        "snapshot": codec.state_to_wire(snapshot.state),
    }
    assert codec.state_from_wire(welcome["snapshot"]) == snapshot.state
    [resumed] = codec.decode_server_frame(
        codec.encode_frame([codec.encode_welcome(**common, snapshot=None)])
    )
    assert resumed["snapshot"] is None


def test_snapshot_ack_and_error_messages() -> None:
    snapshot = Snapshot(seq=3, at=7.0, state=_state())
    frame = codec.encode_frame(
        [
            codec.encode_snapshot(snapshot),
            codec.encode_ack(5, 3),
            codec.encode_ack(6, None),
            codec.encode_error(7, ErrorCode.FORBIDDEN, "not the driver"),
            codec.encode_protocol_error(ProtocolError(ErrorCode.BAD_REQUEST, "x", None)),
        ]
    )
    messages = codec.decode_server_frame(frame)
    assert codec.snapshot_from_message(messages[0]) == snapshot
    assert codec.snapshot_from_wire(codec.encode_snapshot(snapshot)) == snapshot
    assert messages[0]["type"] == "snapshot"
    assert (messages[0]["seq"], messages[0]["at"]) == (3, 7.0)
    assert codec.state_from_wire(messages[0]["state"]) == snapshot.state
    assert messages[1:] == [
        {"type": "ack", "ref": 5, "seq": 3},
        {"type": "ack", "ref": 6, "seq": None},
        {"type": "error", "ref": 7, "code": "forbidden", "message": "not the driver"},
        {"type": "error", "ref": None, "code": "bad_request", "message": "x"},
    ]


@pytest.mark.parametrize("count", [0, 1, 15, 16, 2**16 - 1, 2**16])
def test_encode_frame_prefixes_an_array_header(count: int) -> None:
    ack = codec.encode_ack(1, 1)
    messages = codec.decode_server_frame(codec.encode_frame([ack] * count))
    assert len(messages) == count
    assert messages[:1] == [{"type": "ack", "ref": 1, "seq": 1}][: min(count, 1)]


@pytest.mark.parametrize(
    "data",
    [b"\xc1", msgpack.packb({"type": "ack"}), msgpack.packb([{"ref": 1}]), msgpack.packb([1])],
)
def test_decode_server_frame_refuses_malformed_frames(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        codec.decode_server_frame(data)


@pytest.mark.parametrize(
    "message",
    [
        [1],
        {"type": "nope", "seq": 1, "at": 1.0, "by": None},
        {"type": 5},
        {"type": "room_closed", "seq": 1, "at": 1.0, "by": None},  # reason missing
        {"type": "room_closed", "seq": "1", "at": 1.0, "by": None, "reason": ""},
        {"type": "room_closed", "seq": 1, "at": None, "by": None, "reason": ""},
        {"type": "room_closed", "seq": 1, "at": 1.0, "by": "", "reason": ""},
    ],
)
def test_stored_events_are_checked(message: object) -> None:
    with pytest.raises(ProtocolError):
        codec.stamped_from_message(message)


@pytest.mark.parametrize(
    "message",
    [
        [],
        {"type": "welcome"},
        {"type": "snapshot", "seq": 1, "at": 1.0, "state": {"room_id": "r"}, "extra": 1},
        {"type": "snapshot", "seq": None, "at": 1.0, "state": {"room_id": "r"}},
        {"type": "snapshot", "seq": 1, "at": 1.0, "state": {}},
    ],
)
def test_stored_snapshots_are_checked(message: object) -> None:
    with pytest.raises(ProtocolError):
        codec.snapshot_from_message(message)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("participants", {"": None}),
        ("participants", {"bob": {"id": "bob"}}),
        ("participants", []),
        ("viewports", {}),
        ("layout", "3x3"),
        ("room_id", "room one"),
        ("control_requests", [""]),
    ],
)
def test_state_from_wire_checks_its_input(path: str, value: object) -> None:
    with pytest.raises(ProtocolError) as caught:
        codec.state_from_wire(codec.state_to_wire(_state()) | {path: value})
    assert caught.value.message.startswith(f"state.{path}")
    with pytest.raises(ProtocolError):
        codec.state_from_wire([])


# --- small helpers ----------------------------------------------------------------------------
def test_close_codes_and_resume_hint() -> None:
    assert [int(c) for c in CloseCode] == [
        1000, 1001, 1009, 1012, 1013, 4000, 4001, 4002, 4004, 4005, 4006, 4008, 4009, 4010, 4011,
        4012, 4013, 4014,
    ]  # fmt: skip
    assert codec.too_slow_reason(42) == "resume_from=42"
    assert codec.resume_hint(codec.too_slow_reason(42)) == 42
    assert codec.resume_hint("queue full") is None


def test_wire_names() -> None:
    assert codec.wire_name(SetVoi(0, None)) == "set_voi"
    assert codec.wire_name(PointerMoved(PID, 0, None)) == "pointer_moved"


def test_schema_follows_newtypes_to_their_supertype_and_refuses_unknown_types() -> None:
    schema = Schema(4)
    assert schema.decode(Seq, 5) == 5
    assert schema.decode(NewType("Label", str), "x") == "x"
    with pytest.raises(TypeError):
        schema.decode(set[int], [1])
    with pytest.raises(ProtocolError):
        schema.decode(list[int], [1] * 5)
