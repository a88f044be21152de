"""The webhook service: observes every room, queues announcements, delivers them with retries.

Three stages, so that a room never waits for a webhook:

1. **Observe** (on the room's task, synchronous): ``from_stamped`` picks the announced events
   and puts them on a bounded in-memory queue with ``put_nowait``. When the queue is full the
   announcement is dropped and counted (``dropped``): the room is never slowed down.
2. **Store** (one task): each announcement becomes one pending delivery per subscribed
   endpoint in the store (the durable outbox).
3. **Deliver** (one task): due deliveries are POSTed, a few at a time; a 2xx ends them, anything
   else (status, timeout, refused connection) schedules the next attempt after an exponential
   backoff, up to ``RetryPolicy.max_attempts``; then the delivery is ``failed``.

Rooms are attached as the recorder attaches them (``RoomRegistry.on_host``); a room hosted
fresh (seq 0) announces ``room_started``. ``recording_finished`` comes from the recorder's
``on_finished`` callback: this hook runs before the recorder's, which subscribes to it, so
recordings the recorder finalizes at shutdown are still stored (and sent after a restart).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
from prometheus_client import CollectorRegistry, Counter

from recorder.format import Manifest
from server.appstate import AppState
from server.roomhost import LocalRoom
from server.webhooks.events import Announcement, from_stamped, recording_finished, room_started
from server.webhooks.signing import sign
from server.webhooks.store import DeliveryStatus, Due, EndpointDirectory, WebhookStore
from session.events import Stamped

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Attempt n (1-based) that fails waits ``min(cap_s, base_s * 2**(n-1))`` before the next."""

    max_attempts: int = 8  # with the defaults: retries over ~4 minutes, then failed
    base_s: float = 2.0
    cap_s: float = 300.0
    timeout_s: float = 10.0  # one attempt: connect + answer
    concurrency: int = 4  # attempts in flight at once
    queue_size: int = 10_000  # announcements waiting to be stored

    def delay(self, attempts: int) -> float:
        return float(min(self.cap_s, self.base_s * 2 ** (attempts - 1)))


class WebhookService:
    def __init__(
        self,
        store: WebhookStore,
        endpoints: EndpointDirectory | None = None,
        policy: RetryPolicy | None = None,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.store = store
        self.endpoints: EndpointDirectory = endpoints or store
        self.policy = policy or RetryPolicy()
        self.dropped = 0  # announcements lost to a full queue
        self._attempts = Counter(
            "huizhen_webhook_attempts",
            "Webhook delivery attempts, by outcome (delivered, retried, failed)",
            ["outcome"],
            registry=registry,
        )
        self._dropped = Counter(
            "huizhen_webhook_dropped",
            "Webhook announcements dropped (queue full)",
            registry=registry,
        )
        # None ends the store loop: everything queued before it is stored first
        self._queue: asyncio.Queue[Announcement | None] = asyncio.Queue(self.policy.queue_size)
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self._client = httpx.AsyncClient(timeout=self.policy.timeout_s, follow_redirects=False)

    # --- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._store_loop(), name="webhooks store"),
            asyncio.create_task(self._deliver_loop(), name="webhooks deliver"),
        ]

    async def close(self) -> None:
        """Store what is queued (it is delivered after a restart), then stop.

        The store loop is never cancelled: an announcement it has taken off the queue would
        be lost with its pending write. It stops at the ``None`` queued after everything else.
        """
        await self._queue.put(None)
        await self._tasks[0]
        # A cancel that lands inside a connect may come back as a ConnectError (anyio), which
        # the attempt records: the flag ends the loop anyway, at its next turn.
        self._stopping = True
        self._wake.set()
        self._tasks[1].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._tasks[1]
        await self._client.aclose()

    # --- observing --------------------------------------------------------------------------
    def attach(self, host: LocalRoom) -> None:
        room_id = host.room.id
        snap = host.room.snapshot()
        if snap.seq == 0 and not snap.state.closed:
            self.announce(room_started(room_id, snap.at))

        def observe(stamped: Stamped, message: bytes) -> None:
            announcement = from_stamped(room_id, stamped)
            if announcement is not None:
                self.announce(announcement)

        host.add_observer(observe)

    def on_recording(self, manifest: Manifest) -> None:
        self.announce(recording_finished(manifest))

    def announce(self, announcement: Announcement) -> None:
        """Queue an announcement (never blocks; drops it if the queue is full)."""
        try:
            self._queue.put_nowait(announcement)
        except asyncio.QueueFull:
            self.dropped += 1
            self._dropped.inc()
            log.warning("webhook queue full: %s %s dropped", announcement.event, announcement.id)

    def wake(self) -> None:
        """Look for due deliveries now (a new endpoint, new deliveries)."""
        self._wake.set()

    # --- storing ----------------------------------------------------------------------------
    async def _store_loop(self) -> None:
        while (announcement := await self._queue.get()) is not None:
            await self._store(announcement)

    async def _store(self, announcement: Announcement) -> None:
        try:
            targets = await self.endpoints.endpoints()
            if await self.store.enqueue(announcement, targets, time.time()):
                self._wake.set()
        except Exception:  # a disk error must not end the loop; this announcement is lost
            log.exception("storing webhook %s failed", announcement.id)

    # --- delivering -------------------------------------------------------------------------
    async def _deliver_loop(self) -> None:
        while not self._stopping:
            try:
                due = await self._live(await self.store.due(time.time(), self.policy.concurrency))
                if due:
                    await asyncio.gather(*(self._attempt(d) for d in due))
                    continue
                await self._sleep_until(await self.store.next_due_at())
            except Exception:  # the store failed: keep going, a little later
                log.exception("webhook delivery loop")
                await asyncio.sleep(1.0)

    async def _live(self, due: list[Due]) -> list[Due]:
        """The due deliveries whose endpoint still exists; the others are cancelled (another
        node removed the endpoint from the shared directory)."""
        if not due:
            return due
        live = {e.id for e in await self.endpoints.endpoints()}
        for gone in {d.delivery.endpoint for d in due} - live:
            await self.store.cancel(gone)
        return [d for d in due if d.delivery.endpoint in live]

    async def _sleep_until(self, next_at: float | None) -> None:
        self._wake.clear()
        wait = 60.0 if next_at is None else max(0.0, min(60.0, next_at - time.time()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), wait)

    async def _attempt(self, due: Due) -> None:
        delivery = due.delivery
        headers = sign(due.secret, delivery.event_id, int(time.time()), due.body)
        headers["Content-Type"] = "application/json"
        headers["User-Agent"] = "huizhen-webhooks/1"
        status: int | None = None
        try:  # the answer's body is never read: a receiver cannot make us buffer it
            async with self._client.stream(
                "POST", due.url, content=due.body, headers=headers
            ) as response:
                status = response.status_code
            error = "" if response.is_success else f"HTTP {status}"
        except Exception as exc:  # any failure is this attempt's outcome, in the log
            error = f"{type(exc).__name__}: {exc}"
        await self._record(due, status, error)

    async def _record(self, due: Due, status: int | None, error: str) -> None:
        now = time.time()
        attempts = due.delivery.attempts + 1
        if not error:
            outcome, next_at = DeliveryStatus.DELIVERED, now
        elif attempts >= self.policy.max_attempts:
            outcome, next_at = DeliveryStatus.FAILED, now
            log.warning("webhook %s to %s failed: %s", due.delivery.id, due.url, error)
        else:
            outcome, next_at = DeliveryStatus.PENDING, now + self.policy.delay(attempts)
        await self.store.attempted(due.delivery.id, outcome, next_at, status, error, now)
        label = "retried" if outcome is DeliveryStatus.PENDING else outcome.value
        self._attempts.labels(outcome=label).inc()


def webhooks_lifespan_with(
    policy: RetryPolicy | None = None,
) -> Callable[[AppState], contextlib.AbstractAsyncContextManager[None]]:
    """A lifespan hook with its own retry policy (tests retry in milliseconds).

    Endpoints are ``state.webhook_endpoints`` when the composition root chose a shared
    directory (Redis), else this node's own store.
    """

    @contextlib.asynccontextmanager
    async def lifespan(state: AppState) -> AsyncIterator[None]:
        store = await WebhookStore.open(state.settings.data_dir)
        endpoints = state.webhook_endpoints or store
        service = WebhookService(store, endpoints, policy, state.metrics.registry)
        service.start()
        state.webhooks = service
        state.rooms.on_host(service.attach)
        try:
            yield
        finally:
            await service.close()
            await store.close()
            state.webhooks = None

    return lifespan


webhooks_lifespan = webhooks_lifespan_with()
