"""One server-side peer connection per participant: it publishes and subscribes on it.

Negotiation is serialized per peer (one lock): a client ``rtc_offer`` is answered; when the
room's publications change the server adds or deactivates its own send m-sections and sends an
``rtc_offer`` of its own, preceded by ``media_tracks`` (mid → publisher, source). While the
server's offer is unanswered a client offer is refused with ``conflict`` (the client is the
polite side: it rolls back, answers, then offers again). Subscriptions are added to the peer
connection only inside that serialized step, right before ``createOffer``, so a client offer can
never be matched to a server transceiver that has no mid yet.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.rtcrtptransceiver import RTCRtpTransceiver

from server.sfu import passthrough, renumber, wire
from server.sfu.bandwidth import BandwidthAggregate
from server.sfu.forwarder import Forwarder, FrameTap
from server.sfu.wire import Source, TrackInfo
from session.errors import ErrorCode
from session.ids import ParticipantId

log = logging.getLogger(__name__)

Send = Callable[[bytes], None]  # queue one encoded message to the client; never blocks
PubKey = tuple[ParticipantId, Source]
PINNED = {"audio": ("opus",), "video": ("vp8", "rtx")}
PASSABLE = {"opus", "vp8", "h264"}  # what a subscriber leg can carry unchanged


@dataclass(eq=False)
class Publication:
    """A track a participant publishes: its tapped receiver feeds one Forwarder."""

    participant: ParticipantId
    source: Source
    forwarder: Forwarder
    transceiver: RTCRtpTransceiver
    bandwidth: BandwidthAggregate
    remb: passthrough.UplinkRemb

    @property
    def key(self) -> PubKey:
        return (self.participant, self.source)


@dataclass(eq=False)
class _Subscription:
    publication: Publication
    transceiver: RTCRtpTransceiver | None = None  # None until negotiated


class NegotiationError(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class MediaPeer:
    def __init__(
        self,
        participant: ParticipantId,
        send: Send,
        config: RTCConfiguration,
        *,
        on_publication: Callable[[Publication], None],
        on_failed: Callable[["MediaPeer"], None] = lambda peer: None,
        tap_for: Callable[[ParticipantId, str], FrameTap | None] = lambda who, track: None,
    ) -> None:
        self.participant = participant
        self.send = send
        self.pc = RTCPeerConnection(config)
        self.publications: dict[Source, Publication] = {}
        self._on_publication = on_publication
        self._on_failed = on_failed
        self._tap_for = tap_for
        self._sources: dict[str, Source] = {}  # client-sending mid → what it carries
        self._subs: dict[PubKey, _Subscription] = {}
        self._lock = asyncio.Lock()
        self._awaiting_answer = False
        self._dirty = False
        self._started = False  # the client has offered once: the PC exists on both sides
        self._tasks: set[asyncio.Future[None]] = set()
        self._new: list[Publication] = []
        self.pc.on("track", self._on_track)
        self.pc.on("connectionstatechange", self._on_state)

    def _on_state(self) -> None:
        # ICE consent lost, or the browser closed its connection (DTLS close_notify: it left
        # the call): the client is gone.
        if self.pc.connectionState in ("failed", "closed"):
            self._on_failed(self)

    # --- client signals --------------------------------------------------------------------
    async def handle_offer(self, ref: int, sdp: str) -> list[Publication]:
        async with self._lock:
            if self._awaiting_answer:
                raise NegotiationError(ErrorCode.CONFLICT, "server offer pending: answer it")
            self._new = []
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            answer = wire.without_empty_bundle(self.pc.localDescription.sdp)
            self.send(wire.signal("rtc_answer", ref, answer))
            self._started = True
            new, self._new = self._new, []
        if self._dirty:  # subscriptions that arrived before the connection existed
            self._spawn(self._offer())
        return new

    async def handle_answer(self, sdp: str) -> None:
        async with self._lock:
            if not self._awaiting_answer:
                raise NegotiationError(ErrorCode.CONFLICT, "no server offer to answer")
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))
            self._awaiting_answer = False
        if self._dirty:
            self.renegotiate()

    # --- publications ----------------------------------------------------------------------
    def _on_track(self, track: MediaStreamTrack) -> None:
        transceiver = next(t for t in self.pc.getTransceivers() if t.receiver.track is track)
        source = self._source_for(transceiver.mid or "", track.kind)
        receiver = transceiver.receiver
        if source is None:  # tapped anyway: aiortc would otherwise decode it for nobody
            passthrough.tap_receiver(receiver, lambda data, timestamp, mime: None)
            log.info("%s: extra %s track ignored", self.participant, track.kind)
            return
        tap = self._tap_for(self.participant, f"{source}-{self.participant}")
        forwarder = Forwarder(track.kind, lambda: passthrough.send_pli(receiver), tap=tap)
        passthrough.tap_receiver(receiver, forwarder.push)
        bandwidth = BandwidthAggregate()
        remb = passthrough.UplinkRemb(receiver, lambda: bandwidth.value(_now()))
        publication = Publication(self.participant, source, forwarder, transceiver, bandwidth, remb)
        self.publications[source] = publication
        self._on_publication(publication)
        self._new.append(publication)

    def _source_for(self, mid: str, kind: str) -> Source | None:
        """First audio = microphone, first video = camera, second video = screen share."""
        taken = set(self._sources.values())
        order = [Source.MIC] if kind == "audio" else [Source.CAMERA, Source.SCREEN]
        source = next((s for s in order if s not in taken), None)
        if source is not None:
            self._sources[mid] = source
        return source

    async def unpublish(self, source: Source) -> Publication | None:
        """Stop accepting a track (grant revoked): deactivate its m-section and renegotiate."""
        publication = self.publications.pop(source, None)
        if publication is not None:
            publication.transceiver.direction = "inactive"
            await publication.forwarder.close()
            self.renegotiate()
        return publication

    # --- subscriptions ---------------------------------------------------------------------
    def subscribe(self, publication: Publication) -> None:
        if publication.key not in self._subs:
            self._subs[publication.key] = _Subscription(publication)
            self.renegotiate()

    def unsubscribe(self, key: PubKey) -> None:
        sub = self._subs.pop(key, None)
        if sub is None:
            return
        sub.publication.forwarder.unsubscribe(self.participant)
        sub.publication.bandwidth.forget(self.participant)
        if sub.transceiver is not None:
            sub.transceiver.direction = "inactive"
            self.renegotiate()

    def _attach(self, sub: _Subscription) -> None:
        pub = sub.publication
        track_id = f"{pub.source}-{pub.participant}"
        track = pub.forwarder.subscribe(self.participant, track_id)
        transceiver = self.pc.addTransceiver(track, direction="sendonly")
        passthrough.set_codec_preferences(transceiver, pub.source.kind, self._codecs_for(pub))
        packer = passthrough.LegPacker(pub.forwarder.packer, lambda b: self._remb(pub, b))
        passthrough.tap_sender(
            transceiver.sender, packer, pub.forwarder.request_keyframe, pub.participant
        )
        sub.transceiver = transceiver

    @staticmethod
    def _codecs_for(publication: Publication) -> tuple[str, ...]:
        """The leg carries exactly the publisher's codec: VP8 + Opus by default, H.264 when the
        publisher chose it (a subscriber that cannot decode it gets no picture)."""
        name = passthrough.negotiated_codec(publication.transceiver)
        if name not in PASSABLE:
            return PINNED[publication.source.kind]
        return (name, "rtx") if publication.source.kind == "video" else (name,)

    def _remb(self, publication: Publication, bitrate: int) -> None:
        publication.bandwidth.update(self.participant, bitrate, _now())
        report = publication.bandwidth.to_report(_now())
        if report is not None:
            self._spawn(_send_remb(publication, report))

    # --- server-initiated negotiation ------------------------------------------------------
    def renegotiate(self) -> None:
        self._dirty = True
        if self._started:
            self._spawn(self._offer())

    async def _offer(self) -> None:
        async with self._lock:
            if self._awaiting_answer or not self._dirty or self.pc.connectionState == "closed":
                return
            self._dirty = False
            for sub in self._subs.values():
                if sub.transceiver is None:
                    self._attach(sub)
            offer = await passthrough.create_offer(self.pc)
            await self.pc.setLocalDescription(self._consistent(offer))
            self._awaiting_answer = True
            self.send(wire.media_tracks(self._track_infos()))
            self.send(wire.signal("rtc_offer", None, self.pc.localDescription.sdp))

    def _consistent(self, offer: RTCSessionDescription) -> RTCSessionDescription:
        """The offer in the numbers the session already uses (``renumber``), no stale msid."""
        current = self.pc.remoteDescription
        sdp = wire.without_inactive_msid(offer.sdp)
        if current is not None:
            sdp = renumber.keep_negotiated(sdp, current.sdp)
        return RTCSessionDescription(sdp, "offer")

    def _track_infos(self) -> list[TrackInfo]:
        return [
            TrackInfo(sub.transceiver.mid or "", key[0], key[1])
            for key, sub in self._subs.items()
            if sub.transceiver is not None
        ]

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("%s: negotiation failed: %r", self.participant, task.exception())

    async def close(self) -> None:
        for key in list(self._subs):
            self.unsubscribe(key)
        for publication in self.publications.values():
            await publication.forwarder.close()
        self.publications.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.pc.close()


async def _send_remb(publication: Publication, bitrate: int) -> None:
    # The coroutine is created inside the task, so a task cancelled early leaves none behind.
    with contextlib.suppress(ConnectionError):
        await publication.remb.send_room_limit(bitrate)


def _now() -> float:
    return asyncio.get_running_loop().time()
