"""The single-node cluster keeps every hosted room's durable log and restores open rooms on
start: two servers in a row over the same ``RoomDirectory`` and ``RoomLog`` (a restart)."""

from __future__ import annotations

from pathlib import Path

from livetools import eventually, make_settings, run_live_server
from room_client import RoomClient

from server.memory import MemoryRoomDirectory, MemoryRoomLog
from session.commands import PostChat
from session.grants import Role
from session.ids import ParticipantId, RoomId


async def test_a_restarted_node_restores_its_open_rooms(tmp_path: Path) -> None:
    directory, log = MemoryRoomDirectory(), MemoryRoomLog()
    settings = make_settings(tmp_path)
    with run_live_server(settings, directory=directory, log=log) as first:
        room = first.create_room("kept")
        first.create_room("shut")
        client = await RoomClient.connect(first.ws_url, first.mint(room, "h", Role.HOST))
        ack = await client.reply(await client.send(PostChat("before the restart")))
        seq = ack["seq"]
        assert isinstance(seq, int)
        assert await log.last_seq(RoomId(room)) >= seq  # acked only once in the log
        await client.close()
        with first.admin() as admin:
            admin.delete("/api/rooms/shut").raise_for_status()
        await eventually(lambda: first.state.rooms.open_count() == 1)

    with run_live_server(settings, directory=directory, log=log) as second:
        host = second.state.rooms.get(RoomId(room))
        assert host is not None
        assert second.state.rooms.get(RoomId("shut")) is None  # closed rooms stay closed
        assert host.room.seq >= seq
        state = host.room.snapshot().state
        assert [m.text for m in state.chat] == ["before the restart"]
        assert not state.participants[ParticipantId("h")].online  # its connection is gone
        again = await RoomClient.connect(second.ws_url, second.mint(room, "h", Role.HOST))
        await again.close()


def test_the_embedded_default_restores_nothing(tmp_path: Path) -> None:
    with run_live_server(make_settings(tmp_path)) as server:
        assert server.state.rooms.hosts() == []
        assert server.state.cluster.node_id == "local"
