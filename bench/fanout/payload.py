"""The benchmark's messages: what the driver sends and how a listener reads its send time.

Every peer carries the SAME bytes huizhen would put on the wire: a server frame is a msgpack
array of event maps (``voi_changed`` durable with a seq, ``pointer_moved`` ephemeral with
seq nil). The driver's send time rides inside the event itself, as seconds since the run's
``t0`` (``time.monotonic()`` of the runner; loopback, so one clock for everybody):
``voi.center`` for a VOI change and ``position[0]`` for a pointer move. For huizhen those are
real command fields the server copies into its events, so the same reader works everywhere.
"""

import struct
from enum import StrEnum
from typing import Any

import msgpack

TARGET_BYTES = 125  # the "~125-byte msgpack" per event


class Kind(StrEnum):
    VOI = "voi"
    POINTER = "pointer"


WIRE_TYPES = {"voi_changed": Kind.VOI, "pointer_moved": Kind.POINTER}


def _voi_event(seq: int, t_rel: float, by: str) -> dict[str, object]:
    return {
        "type": "voi_changed",
        "seq": seq,
        "at": 1.7e9 + t_rel,
        "by": by,
        "viewport": 0,
        "voi": {"center": t_rel, "width": 400.0, "function": "LINEAR"},
    }


def _pointer_event(t_rel: float, by: str) -> dict[str, object]:
    return {
        "type": "pointer_moved",
        "seq": None,
        "at": 1.7e9 + t_rel,
        "by": by,
        "participant": by,
        "viewport": 0,
        "position": [t_rel, 256.0],
    }


def _padded_by(kind: Kind) -> str:
    """A driver id long enough that one event map is about TARGET_BYTES of msgpack."""
    base = _event(kind, 1, 1.0, "")
    return "d" * max(
        1, (TARGET_BYTES - len(msgpack.packb(base))) // (2 if kind is Kind.POINTER else 1)
    )


def _event(kind: Kind, seq: int, t_rel: float, by: str) -> dict[str, object]:
    return _voi_event(seq, t_rel, by) if kind is Kind.VOI else _pointer_event(t_rel, by)


_BY = {kind: _padded_by(kind) for kind in Kind}


def peer_frame(kind: Kind, seq: int, t_rel: float) -> bytes:
    """One server frame as huizhen would send it: a msgpack array holding one event."""
    return msgpack.packb([_event(kind, seq, t_rel, _BY[kind])])


_VOI_KEY = b"\xa6center\xcb"  # "center": float64
_POINTER_KEY = b"\xa8position\x92\xcb"  # "position": [float64, ...]
_FLOAT = struct.Struct(">d")


def fast_send_times(frame: bytes) -> list[tuple[Kind | None, float]]:
    """``send_times`` without decoding the frame: find the keys' bytes, read the float64 after.

    A listener process must keep up with ~60 000 events/s at N=1000 on a shared 2-core box, so
    the generator reads only what it measures. Every event a frame holds is still found (the
    keys occur once per event); anything it cannot recognise goes to the full decoder.
    """
    found: list[tuple[Kind | None, float]] = []
    for key, kind in ((_VOI_KEY, Kind.VOI), (_POINTER_KEY, Kind.POINTER)):
        at = frame.find(key)
        while at >= 0:
            at += len(key)
            found.append((kind, _FLOAT.unpack_from(frame, at)[0]))
            at = frame.find(key, at + 8)
    if not found:
        return send_times(frame)
    return found


def send_times(frame: bytes) -> list[tuple[Kind | None, float]]:
    """(kind, send time relative to t0) for every message in a server frame; kind None = other."""
    messages = msgpack.unpackb(frame)
    if isinstance(messages, dict):
        messages = [messages]
    return [_read(message) for message in messages]


def _read(message: dict[str, Any]) -> tuple[Kind | None, float]:
    kind = WIRE_TYPES.get(str(message.get("type")))
    if kind is Kind.VOI:
        return kind, float(message["voi"]["center"])
    if kind is Kind.POINTER and message["position"] is not None:
        return kind, float(message["position"][0])
    return None, 0.0
