"""The one typed object every request handler reaches through ``app.state.huizhen``.

Built by the composition root (``server.app``; no module-level singletons). Every part that
other code reaches is a typed field here; the optional ones are filled by the lifespan hook
that owns the resource (the SFU sets ``media``, the recorder ``recorder`` and
``recorded_studies``, DICOMweb ``dicomweb``, the webhook service ``webhooks``) and are None
while that part is not running.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

if TYPE_CHECKING:
    from server.audit.service import AuditLog
    from server.cases.store import StudyStore
    from server.cluster import Cluster
    from server.dicomweb.service import DicomWeb
    from server.interfaces import MediaSignalling, RoomDirectory
    from server.livesockets import LiveSockets
    from server.metrics import Metrics
    from server.pacs import PacsEndpoint
    from server.recording.service import RecorderService
    from server.redis.node import Node
    from server.revocation import Revoker
    from server.rooms import RoomRegistry
    from server.settings import Settings
    from server.tokens import KeyRing
    from server.webhooks.service import WebhookService
    from server.webhooks.store import EndpointDirectory
    from session.ids import Uid
    from session.model import Study

HealthCheck = Callable[[], str]
"""Returns "" while fine, else the problem (e.g. Redis unreachable): ``/healthz`` degrades."""

RecordedStudies = Callable[[str], "dict[Uid, Study]"]
"""Room id → every study its recordings showed (what a recording-viewer token may read)."""


class MediaSlot:
    """Where the SFU plugs in: made before the rooms (which ask it on a leave or close) and
    filled by the SFU's lifespan hook, so neither has to be built before the other."""

    def __init__(self) -> None:
        self.current: MediaSignalling | None = None

    def get(self) -> MediaSignalling | None:
        return self.current


@dataclass(eq=False)
class AppState:
    settings: Settings
    keys: KeyRing
    metrics: Metrics
    directory: RoomDirectory
    rooms: RoomRegistry
    cluster: Cluster
    studies: StudyStore
    revoker: Revoker  # the token revocation list (checked through ``keys``)
    sockets: LiveSockets  # this node's room sockets, closed by a revocation
    media_slot: MediaSlot = field(default_factory=MediaSlot)
    dicomweb: DicomWeb | None = None
    recorder: RecorderService | None = None
    audit: AuditLog | None = None  # the audit trail (server/audit), while it runs
    recorded_studies: RecordedStudies | None = None
    webhooks: WebhookService | None = None
    webhook_endpoints: EndpointDirectory | None = None  # None: each node's own store
    pacs: dict[str, PacsEndpoint] | None = None  # None: read from the environment
    redis_node: Node | None = None  # --redis: this process as one node of several
    health_checks: dict[str, HealthCheck] = field(default_factory=dict)

    @property
    def media(self) -> MediaSignalling | None:
        return self.media_slot.current

    @media.setter
    def media(self, media: MediaSignalling | None) -> None:
        self.media_slot.current = media


def app_state(conn: HTTPConnection) -> AppState:
    """The app's state from a request or WebSocket (set by the lifespan)."""
    state: AppState = conn.app.state.huizhen
    return state
