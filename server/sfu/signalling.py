"""The SFU behind the room WebSocket: ``server.interfaces.MediaSignalling`` implemented.

``ws.py`` hands every ``rtc_offer``/``rtc_answer`` frame to :meth:`Sfu.on_signal`; the room host
calls :meth:`on_leave` / :meth:`on_room_closed`, and :meth:`observe` sees the room's events
(``GrantsChanged`` revoking ``publish_media`` tears the participant's tracks down). Refusals go
to the sender only as ``error`` messages with the client's ``ref``.
"""

import asyncio
import logging
from collections.abc import Callable, Sequence

from server.interfaces import SignalFrameLike, SignalPeer
from server.settings import IceServer
from server.sfu import wire
from server.sfu.ice import rtc_configuration
from server.sfu.mediaroom import FrameRecorder, MediaRoom
from server.sfu.peer import NegotiationError
from session.errors import ErrorCode
from session.events import GrantsChanged, ParticipantLeft, RoomClosed, Stamped
from session.grants import Grant
from session.ids import ParticipantId, RoomId

log = logging.getLogger(__name__)

MAX_SENDING = 3  # microphone, camera, screen share


class Sfu:
    def __init__(
        self,
        ice_servers: Sequence[IceServer] = (),
        recorder: Callable[[], FrameRecorder | None] = lambda: None,
    ) -> None:
        self._config = rtc_configuration(ice_servers)
        self._recorder = recorder
        self.rooms: dict[RoomId, MediaRoom] = {}
        self._tasks: set[asyncio.Future[None]] = set()

    async def on_signal(self, conn: SignalPeer, frame: SignalFrameLike) -> None:
        try:
            await self._signal(conn, frame)
        except NegotiationError as exc:
            conn.send(wire.error(frame.ref, exc.code, str(exc)))
        except Exception as exc:  # a bad SDP must not take the connection down
            log.info("%s/%s: %s refused: %r", conn.room_id, conn.participant, frame.type, exc)
            conn.send(wire.error(frame.ref, ErrorCode.BAD_REQUEST, f"{frame.type}: {exc}"))

    async def _signal(self, conn: SignalPeer, frame: SignalFrameLike) -> None:
        member = conn.member()
        if member is None or not member.online:
            raise NegotiationError(ErrorCode.FORBIDDEN, "not a participant of this room")
        if not frame.sdp.strip():  # aiortc would answer it: nothing to negotiate with
            raise NegotiationError(ErrorCode.BAD_REQUEST, f"{frame.type}: the sdp is empty")
        room = self._room(conn.room_id)
        if frame.type == "rtc_offer":
            sending = wire.sending_sections(frame.sdp)
            if sending and Grant.PUBLISH_MEDIA not in member.grants:
                raise NegotiationError(ErrorCode.FORBIDDEN, "publishing needs publish_media")
            if len(sending) > MAX_SENDING:
                raise NegotiationError(ErrorCode.BAD_REQUEST, "at most mic, camera and screen")
            await self._replace_stale_peer(room, conn.participant, frame.sdp)
            peer = room.peer(conn.participant, conn.send)
            room.announce(await peer.handle_offer(frame.ref, frame.sdp))
        elif frame.type == "rtc_answer":
            answering = room.peers.get(conn.participant)
            if answering is None:
                raise NegotiationError(ErrorCode.CONFLICT, "no server offer to answer")
            await answering.handle_answer(frame.sdp)
        else:
            raise NegotiationError(ErrorCode.UNKNOWN_COMMAND, f"unknown signal {frame.type}")

    @staticmethod
    async def _replace_stale_peer(room: MediaRoom, participant: ParticipantId, sdp: str) -> None:
        """aiortc cannot restart ICE: an offer from a new client peer connection (new ICE
        credentials) replaces the server's peer for that participant."""
        old = room.peers.get(participant)
        remote = old.pc.remoteDescription if old is not None else None
        if remote is not None and wire.is_new_session(remote.sdp, sdp):
            await room.leave(participant)

    def _room(self, room_id: RoomId) -> MediaRoom:
        room = self.rooms.get(room_id)
        if room is None:
            room = MediaRoom(room_id, self._config, recorder=self._recorder)
            self.rooms[room_id] = room
        return room

    async def on_leave(self, room_id: RoomId, participant: ParticipantId) -> None:
        room = self.rooms.get(room_id)
        if room is not None:
            await room.leave(participant)

    async def on_room_closed(self, room_id: RoomId) -> None:
        room = self.rooms.pop(room_id, None)
        if room is not None:
            await room.close()

    async def on_event(self, room_id: RoomId, stamped: Stamped) -> None:
        """React to the room's durable events (called off the room's owner task)."""
        match stamped.event:
            case GrantsChanged(participant=pid, grants=grants):
                if Grant.PUBLISH_MEDIA not in grants and room_id in self.rooms:
                    await self.rooms[room_id].unpublish_all(pid)
            case ParticipantLeft(participant=pid):
                await self.on_leave(room_id, pid)
            case RoomClosed():
                await self.on_room_closed(room_id)
            case _:
                pass

    def observer(self, room_id: RoomId) -> Callable[[Stamped, bytes], None]:
        """A room-host observer: quick, never blocks; media work runs in a tracked task."""

        def observe(stamped: Stamped, _encoded: bytes) -> None:
            # Leaving and closing arrive through on_leave / on_room_closed; grants only here.
            if isinstance(stamped.event, GrantsChanged):
                task = asyncio.ensure_future(self.on_event(room_id, stamped))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

        return observe

    async def close(self) -> None:
        """Shutdown: every peer connection closed, every forwarder stopped."""
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for room_id in list(self.rooms):
            await self.on_room_closed(room_id)
