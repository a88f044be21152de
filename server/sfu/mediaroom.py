"""The media side of one room: its peers, what each publishes, who hears whom.

Every publication is subscribed by every other peer of the room (no simulcast, no selective
subscription yet). Leaving, being kicked, losing ``publish_media`` and closing the room all
end here, so tracks, forwarders and peer connections are released in one place.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from aiortc import RTCConfiguration

from server.sfu import passthrough, wire
from server.sfu.forwarder import FrameTap
from server.sfu.peer import MediaPeer, Publication, Send
from server.sfu.speaker import ActiveSpeaker
from server.sfu.wire import Source
from session.ids import ParticipantId, RoomId

log = logging.getLogger(__name__)


class FrameRecorder(Protocol):
    """``server.recording.service.RecorderService``'s media seam (``docs/recording.md``)."""

    def on_frame(  # noqa: PLR0917 - the recorder's signature
        self,
        room_id: RoomId,
        participant: ParticipantId,
        track_id: str,
        data: bytes,
        timestamp: int,
        mime_type: str,
    ) -> bool: ...


class MediaRoom:
    def __init__(
        self,
        room_id: RoomId,
        config: RTCConfiguration,
        clock: Callable[[], float] = time.time,
        recorder: Callable[[], FrameRecorder | None] = lambda: None,
    ) -> None:
        self.id = room_id
        self.peers: dict[ParticipantId, MediaPeer] = {}
        self._config = config
        self._clock = clock
        self._recorder = recorder
        self.speaker = ActiveSpeaker()
        self._tasks: set[asyncio.Future[None]] = set()

    def peer(self, participant: ParticipantId, send: Send) -> MediaPeer:
        """The participant's peer, created on its first signal (it then subscribes to all)."""
        peer = self.peers.get(participant)
        if peer is None:
            peer = MediaPeer(
                participant,
                send,
                self._config,
                on_publication=self._on_publication,
                on_failed=self._on_failed,
                tap_for=self._tap_for,
            )
            self.peers[participant] = peer
            for other in self.publications():
                if other.participant != participant:
                    peer.subscribe(other)
        peer.send = send  # a reconnect brings a new connection
        return peer

    def _tap_for(self, participant: ParticipantId, track_id: str) -> FrameTap:
        """Every received frame goes to the recorder, if one is running (a dict lookup)."""

        def tap(data: bytes, timestamp: int, mime_type: str) -> bool:
            recorder = self._recorder()
            if recorder is None:
                return False
            return recorder.on_frame(self.id, participant, track_id, data, timestamp, mime_type)

        return tap

    def _on_failed(self, peer: MediaPeer) -> None:
        """A peer whose connection failed or was closed is dropped (unless already replaced)."""
        if self.peers.get(peer.participant) is peer:
            task = asyncio.ensure_future(self._drop(peer))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _drop(self, peer: MediaPeer) -> None:
        # Checked again when the task runs: a restarting client's new offer may have replaced
        # the peer meanwhile, and that one must stay.
        if self.peers.get(peer.participant) is peer:
            await self.leave(peer.participant)

    def publications(self) -> list[Publication]:
        return [pub for peer in self.peers.values() for pub in peer.publications.values()]

    def _on_publication(self, publication: Publication) -> None:
        if publication.source is Source.MIC:
            receiver = publication.transceiver.receiver
            pid = publication.participant
            passthrough.tap_audio_level(receiver, lambda level: self._level(pid, level))

    def announce(self, publications: list[Publication]) -> None:
        """New publications (after their offer was answered): every other peer subscribes."""
        for publication in publications:
            for pid, peer in self.peers.items():
                if pid != publication.participant:
                    peer.subscribe(publication)

    async def unpublish_all(self, participant: ParticipantId) -> None:
        """``publish_media`` revoked: stop forwarding the participant's tracks."""
        peer = self.peers.get(participant)
        if peer is None:
            return
        for source in list(peer.publications):
            self._drop_subscriptions((participant, source))
            await peer.unpublish(source)

    async def leave(self, participant: ParticipantId) -> None:
        peer = self.peers.pop(participant, None)
        if peer is None:
            return
        for source in list(peer.publications):
            self._drop_subscriptions((participant, source))
        if self.speaker.forget(participant):
            self._broadcast(wire.active_speaker(None, self._clock()))
        await peer.close()

    def _drop_subscriptions(self, key: tuple[ParticipantId, Source]) -> None:
        for peer in self.peers.values():
            peer.unsubscribe(key)

    async def close(self) -> None:
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(self.leave(pid) for pid in list(self.peers)))

    # --- active speaker --------------------------------------------------------------------
    def _level(self, participant: ParticipantId, level: int) -> None:
        if self.speaker.level(participant, level, self._clock()):
            self._broadcast(wire.active_speaker(self.speaker.current, self._clock()))

    def _broadcast(self, message: bytes) -> None:
        for peer in self.peers.values():  # encoded once, the same bytes to everyone
            peer.send(message)
