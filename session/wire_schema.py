"""Generic, type-driven conversion between the session's dataclasses and msgpack-ready values.

One walker for every command, event, snapshot and state type: no per-command branches.

* ``to_wire(value)`` turns a value into plain msgpack types: dataclasses become maps of their
  fields, enums their value, tuples and lists arrays, frozensets sorted arrays, dicts maps.
* ``Schema(max_items).decode(tp, raw, path)`` checks an untrusted decoded msgpack value against
  a type hint and builds the typed value. The per-type converter is compiled once and cached.

Exception tree::

    ProtocolError      the only exception decoding raises, whatever the input
      code: ErrorCode  BAD_REQUEST, UNKNOWN_COMMAND, TOO_LARGE, UNAUTHORIZED, ...
      ref: int | None  the frame's ``ref`` when it could be read, so the client can correlate
"""

import dataclasses
import math
import re
import types
import typing
from collections.abc import Callable, Mapping
from enum import Enum, StrEnum
from typing import Any, Final

import msgpack

from session.errors import ErrorCode
from session.ids import AnnotationId, ParticipantId, RoomId, Uid

MAX_FRAME_BYTES: Final = 64 * 1024
"""Largest client frame; the server checks it before decoding, and so does ``unpack_map``."""
MAX_TEXT_CHARS: Final = 2000
"""Longest string accepted in any field unless a field says otherwise (chat is the longest)."""
MAX_ITEMS: Final = 64
"""Longest array in a client command (annotation points, series of a study)."""
INT_MIN: Final = -(2**31)
INT_MAX: Final = 2**31 - 1
FLOAT_INT_MAX: Final = 2**53

_ID_RE: Final = re.compile(r"[\x21-\x7e]{1,64}")  # printable ASCII, no space
_ROOM_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
_UID_RE: Final = re.compile(r"[0-9]+(\.[0-9]+)*")
_UID_MAX: Final = 64


class ProtocolError(Exception):
    """A frame could not be decoded. ``code`` is stable; ``message`` is for humans."""

    def __init__(self, code: ErrorCode, message: str, ref: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.ref = ref


def bad(path: str, expected: str) -> ProtocolError:
    return ProtocolError(ErrorCode.BAD_REQUEST, f"{path or 'frame'}: expected {expected}")


# --- msgpack ---------------------------------------------------------------------------------
def unpack(data: bytes) -> object:
    """Our own stored messages (logs, snapshots): trusted enough for the fast C path."""
    try:
        return msgpack.unpackb(data, raw=False, strict_map_key=True, max_ext_len=0, timestamp=0)
    except (ValueError, TypeError, msgpack.UnpackException):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "frame is not one msgpack value") from None


class Extension:
    """Where a client frame held a msgpack extension value (a timestamp, say): no field
    accepts one, so the refusal names the field and keeps the frame's ``ref``."""

    __slots__ = ()


_EXTENSION: Final = Extension()


def _extension(code: int, data: bytes) -> Extension:
    return _EXTENSION


def _unique_keys(pairs: list[tuple[Any, Any]]) -> dict[Any, Any]:
    """A map from a client frame: a key given twice is refused, not silently last-wins."""
    built = dict(pairs)
    if len(built) != len(pairs):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "frame: a map key appears twice")
    return built


def unpack_map(data: bytes) -> dict[Any, Any]:
    """A client frame: one msgpack map, strictly (string keys, each once; no extensions)."""
    if len(data) > MAX_FRAME_BYTES:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"frame over {MAX_FRAME_BYTES} bytes")
    try:
        raw = msgpack.unpackb(
            data,
            raw=False,
            strict_map_key=True,
            object_pairs_hook=_unique_keys,
            ext_hook=_extension,
            timestamp=0,
        )
    except (ValueError, TypeError, msgpack.UnpackException):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "frame is not one msgpack value") from None
    if type(raw) is not dict:
        raise bad("frame", "a map")
    return raw


def only(body: Mapping[Any, Any], allowed: frozenset[str]) -> None:
    extra = body.keys() - allowed
    if extra:
        raise bad("frame", f"no field {sorted(map(str, extra))[0]!r}")


# --- encoding --------------------------------------------------------------------------------
_PLAIN: Final = frozenset({int, float, str, bool, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls) if f.init)
        _FIELD_NAMES[cls] = names
    return names


def to_wire(value: object) -> Any:
    """Plain msgpack-ready form of a session value (enum subclasses become plain ``str``)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_wire(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(to_wire(v) for v in value)
    if isinstance(value, dict):
        return {to_wire(k): to_wire(v) for k, v in value.items()}
    return fields_to_wire(value)


def fields_to_wire(value: object) -> dict[str, Any]:
    """A dataclass instance as a map of its fields (the caller adds an envelope if any)."""
    return {name: to_wire(getattr(value, name)) for name in field_names(type(value))}


# --- decoding --------------------------------------------------------------------------------
Convert = Callable[[object, str], object]


def _int(raw: object, path: str) -> int:
    if type(raw) is not int or not INT_MIN <= raw <= INT_MAX:
        raise bad(path, "an integer in [-2^31, 2^31)")
    return raw


def _float(raw: object, path: str) -> float:
    # JavaScript encoders write integral numbers (40.0) as msgpack ints: accept exact ones.
    if type(raw) is int and -FLOAT_INT_MAX <= raw <= FLOAT_INT_MAX:
        return float(raw)
    if type(raw) is not float or not math.isfinite(raw):
        raise bad(path, "a finite number")
    return raw


def _bool(raw: object, path: str) -> bool:
    if type(raw) is not bool:
        raise bad(path, "true or false")
    return raw


def text(raw: object, path: str, limit: int = MAX_TEXT_CHARS) -> str:
    if type(raw) is not str or len(raw) > limit:
        raise bad(path, f"a string of at most {limit} characters")
    return raw


def _pattern(regex: re.Pattern[str], what: str, limit: int = 64) -> Convert:
    def convert(raw: object, path: str) -> str:
        if type(raw) is not str or len(raw) > limit or not regex.fullmatch(raw):
            raise bad(path, what)
        return raw

    return convert


_NEWTYPES: Final[dict[object, Convert]] = {
    ParticipantId: _pattern(_ID_RE, "an id of 1-64 printable ASCII characters"),
    AnnotationId: _pattern(_ID_RE, "an id of 1-64 printable ASCII characters"),
    RoomId: _pattern(_ROOM_RE, "a room id of 1-64 characters [A-Za-z0-9_-]"),
    Uid: _pattern(_UID_RE, "a DICOM UID (digits and dots, at most 64 characters)", _UID_MAX),
}
_SCALARS: Final[dict[object, Convert]] = {int: _int, float: _float, bool: _bool, str: text}


class Schema:
    """Compiles and caches one converter per type hint; ``max_items`` bounds every array/map."""

    def __init__(self, max_items: int) -> None:
        self.max_items = max_items
        self._cache: dict[object, Convert] = {}

    def decode(self, tp: object, raw: object, path: str = "") -> Any:
        return self.converter(tp)(raw, path)

    def converter(self, tp: object) -> Convert:
        convert = self._cache.get(tp)
        if convert is None:
            convert = self._compile(tp)
            self._cache[tp] = convert
        return convert

    def _compile(self, tp: object) -> Convert:
        if tp in _SCALARS:
            return _SCALARS[tp]
        if isinstance(tp, typing.NewType):
            return _NEWTYPES.get(tp) or self.converter(tp.__supertype__)
        if isinstance(tp, type) and issubclass(tp, StrEnum):
            return _enum(tp)
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            return self._dataclass(tp)
        return self._generic(tp)

    def _generic(self, tp: object) -> Convert:
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin in (types.UnionType, typing.Union) and len(args) == 2 and type(None) in args:
            return _optional(self.converter(args[0] if args[1] is type(None) else args[1]))
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            return self._sequence(self.converter(args[0]), tuple)
        if origin is tuple:
            return _fixed_tuple(tuple(self.converter(a) for a in args))
        if origin is list:
            return self._sequence(self.converter(args[0]), list)
        if origin is frozenset:
            return self._sequence(self.converter(args[0]), frozenset)
        if origin is dict:
            return self._mapping(self.converter(args[0]), self.converter(args[1]))
        raise TypeError(f"no wire form for {tp!r}")  # a programming error, found by tests

    def _sequence(self, item: Convert, build: Callable[[list[object]], object]) -> Convert:
        limit = self.max_items

        def convert(raw: object, path: str) -> object:
            if type(raw) is not list or len(raw) > limit:
                raise bad(path, f"an array of at most {limit} items")
            return build([item(v, f"{path}[{i}]") for i, v in enumerate(raw)])

        return convert

    def _mapping(self, key: Convert, value: Convert) -> Convert:
        limit = self.max_items

        def convert(raw: object, path: str) -> object:
            if type(raw) is not dict or len(raw) > limit:
                raise bad(path, f"a map of at most {limit} entries")
            return {key(k, f"{path}.<key>"): value(v, f"{path}.{k}") for k, v in raw.items()}

        return convert

    def _dataclass(self, cls: type) -> Convert:
        hints = typing.get_type_hints(cls)
        fields = [f for f in dataclasses.fields(cls) if f.init]
        plan = [(f.name, self.converter(hints[f.name]), _has_default(f)) for f in fields]
        known = frozenset(f.name for f in fields)

        def convert(raw: object, path: str) -> object:
            if type(raw) is not dict:
                raise bad(path, "a map")
            return cls(**decode_fields(raw, plan, known, path))

        return convert


Plan = list[tuple[str, Convert, bool]]


def decode_fields(
    raw: Mapping[object, object], plan: Plan, known: frozenset[str], path: str
) -> dict[str, object]:
    """Check a map's fields against a compiled plan; omitted fields with defaults stay omitted."""
    extra = raw.keys() - known
    if extra:
        raise bad(path, f"no field {sorted(map(str, extra))[0]!r}")
    out: dict[str, object] = {}
    for name, convert, optional in plan:
        where = f"{path}.{name}" if path else name
        if name in raw:
            out[name] = convert(raw[name], where)
        elif not optional:
            raise bad(where, "a value (field is required)")
    return out


def _has_default(f: dataclasses.Field[Any]) -> bool:
    return f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING


def _enum(cls: type[StrEnum]) -> Convert:
    values = {m.value: m for m in cls}
    expected = "one of " + ", ".join(repr(v) for v in values)

    def convert(raw: object, path: str) -> StrEnum:
        member = values.get(raw) if type(raw) is str else None
        if member is None:
            raise bad(path, expected)
        return member

    return convert


def _optional(inner: Convert) -> Convert:
    def convert(raw: object, path: str) -> object:
        return None if raw is None else inner(raw, path)

    return convert


def _fixed_tuple(items: tuple[Convert, ...]) -> Convert:
    def convert(raw: object, path: str) -> tuple[object, ...]:
        if type(raw) is not list or len(raw) != len(items):
            raise bad(path, f"an array of {len(items)} items")
        return tuple(c(v, f"{path}[{i}]") for i, (c, v) in enumerate(zip(items, raw, strict=True)))

    return convert
