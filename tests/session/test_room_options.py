"""Room options: the identity watermark (on by default, moderators switch it)."""

from session.codec import encode_snapshot, snapshot_from_wire
from session.commands import SetWatermark
from session.errors import ErrorCode
from session.events import WatermarkChanged
from session.room import Room


def test_a_new_room_has_the_watermark_on(bare):
    assert bare.state.watermark is True


def test_a_moderator_switches_the_watermark_and_no_ops_are_refused(h):
    h.refuse("host", SetWatermark(watermark=True), ErrorCode.CONFLICT)
    assert h.send("host", SetWatermark(watermark=False)) == [WatermarkChanged(watermark=False)]
    assert h.state.watermark is False
    h.refuse("host", SetWatermark(watermark=False), ErrorCode.CONFLICT)
    assert h.send("host", SetWatermark(watermark=True)) == [WatermarkChanged(watermark=True)]
    assert h.state.watermark is True


def test_only_moderators_switch_it(h):
    for who in ("doc", "obs"):
        message = h.refuse(who, SetWatermark(watermark=False), ErrorCode.FORBIDDEN)
        assert "moderate" in message


def test_the_server_switches_it_too(bare):
    assert bare.system(SetWatermark(watermark=False)) == [WatermarkChanged(watermark=False)]


def test_the_setting_survives_snapshot_and_replay(h):
    before = h.room.snapshot()
    h.send("host", SetWatermark(watermark=False))
    events = h.room.events_since(before.seq)
    assert events is not None
    restored = Room.restore(h.room.id, before, events)
    assert restored.snapshot().state.watermark is False
    assert snapshot_from_wire(encode_snapshot(h.room.snapshot())).state.watermark is False
