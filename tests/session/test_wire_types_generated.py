"""The browser's wire types (``web_client/src/protocol/generated.ts``) are generated from the
session's dataclasses by ``scripts/gen_wire_types.py``; CI runs this, so a schema change that was
not regenerated fails here. The server messages the generator describes by hand are checked
against the codec's own encoders. Nothing here imports ``server``."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import msgpack
import pytest

from session import codec, commands, events
from session.errors import ErrorCode
from session.events import ChatPosted, Stamped
from session.grants import Grant, Role
from session.ids import ParticipantId, RoomId
from session.room import Snapshot
from session.state import RoomState

ROOT = Path(__file__).resolve().parents[2]


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_wire_types", ROOT / "scripts" / "gen_wire_types.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module's annotations
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def test_committed_file_is_up_to_date() -> None:
    committed = gen.OUTPUT.read_text(encoding="utf-8")
    assert committed == gen.generate(), "stale: run python scripts/gen_wire_types.py"


def test_generation_is_deterministic() -> None:
    assert gen.generate() == gen.generate()


def test_every_command_and_event_is_keyed_on_its_wire_type() -> None:
    text = gen.generate()
    for tag in [*commands.WIRE_NAMES, *events.WIRE_NAMES]:
        assert f"  type: '{tag}';\n" in text
    for tag in events.WIRE_NAMES:
        assert f"  {tag}: {{ seq: 'number?', at: 'number', by: 'string?'" in text


def _fields(encoded: bytes) -> set[str]:
    message: dict[str, Any] = msgpack.unpackb(encoded)
    return set(message)


def _encoded_server_messages() -> dict[str, bytes]:
    return {
        "welcome": codec.encode_welcome(
            room=RoomId("r"),
            you=ParticipantId("p"),
            role=Role.HOST,
            grants=frozenset({Grant.CHAT}),
            seq=0,
            at=1.0,
            limits=codec.codec_limits(),
            snapshot=None,
        ),
        "snapshot": codec.encode_snapshot(Snapshot(seq=1, at=1.0, state=RoomState(RoomId("r")))),
        "ack": codec.encode_ack(1, None),
        "error": codec.encode_error(None, ErrorCode.BAD_REQUEST, "m"),
        "pong": codec.encode_pong(1, 1.0),
        "rtc_offer": codec.encode_signal("rtc_offer", None, "v=0"),
        "rtc_answer": codec.encode_signal("rtc_answer", 1, "v=0"),
    }


SFU_MESSAGES = {"media_tracks", "active_speaker"}
"""Encoded by ``server/sfu/wire.py``, which a session test may not import; docs/protocol.md
("Media signalling") and the Chromium call tests cover them."""


def test_hand_described_server_messages_match_the_codec() -> None:
    encoded = _encoded_server_messages()
    assert {spec.type for spec in gen.SERVER_MESSAGES} == set(encoded) | SFU_MESSAGES
    for spec in gen.SERVER_MESSAGES:
        if spec.type in encoded:
            assert _fields(encoded[spec.type]) == {"type", *spec.fields}, spec.type


def test_event_envelope_matches_the_codec() -> None:
    stamped = Stamped(
        seq=3, at=1.0, by=ParticipantId("p"), event=ChatPosted(ParticipantId("p"), "hi")
    )
    assert _fields(codec.encode_stamped(stamped)) == {"type", "seq", "at", "by", "author", "text"}
    assert "export interface ChatPosted extends Stamp {" in gen.generate()


def test_check_mode_reports_a_stale_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "generated.ts"
    stale.write_text("// old\n", encoding="utf-8")
    monkeypatch.setattr(gen, "OUTPUT", stale)
    assert gen.main(["--check"]) == 1
    assert gen.main([]) == 0
    assert gen.main(["--check"]) == 0
