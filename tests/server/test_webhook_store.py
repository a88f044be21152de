"""The webhook store on its own (a real SQLite file): subscriptions, dedupe, cancel, pruning."""

from __future__ import annotations

from pathlib import Path

from server.webhooks.events import Announcement, WebhookEvent
from server.webhooks.store import DeliveryStatus, Endpoint, WebhookStore


def _announcement(n: int, event: WebhookEvent = WebhookEvent.ROOM_STARTED) -> Announcement:
    return Announcement(f"room-{n}:started", event, b'{"n": %d}' % n)


async def test_only_subscribed_endpoints_get_a_delivery_and_only_once(tmp_path: Path) -> None:
    store = await WebhookStore.open(tmp_path)
    try:
        every = await store.add_endpoint("http://127.0.0.1:9/all", ())
        ended = await store.add_endpoint("http://127.0.0.1:9/ended", (WebhookEvent.ROOM_ENDED,))
        targets = await store.endpoints()
        assert await store.enqueue(_announcement(1), targets, now=10.0) == 1
        assert await store.enqueue(_announcement(1), targets, now=11.0) == 0  # the same id again
        (row,) = await store.log()
        assert (row.endpoint, row.status, row.attempts) == (every.id, DeliveryStatus.PENDING, 0)
        assert await store.log(endpoint=ended.id) == []
        assert [d.delivery.id for d in await store.due(now=10.0, limit=10)] == [row.id]
        assert await store.due(now=9.0, limit=10) == []
        assert await store.next_due_at() == 10.0
    finally:
        await store.close()


async def test_removing_an_endpoint_cancels_its_pending_deliveries(tmp_path: Path) -> None:
    store = await WebhookStore.open(tmp_path)
    try:
        endpoint = await store.add_endpoint("http://127.0.0.1:9/x", ())
        await store.enqueue(_announcement(1), [endpoint], now=10.0)
        assert await store.remove_endpoint(endpoint.id)
        assert not await store.remove_endpoint(endpoint.id)
        (row,) = await store.log()
        assert (row.status, row.last_error) == (DeliveryStatus.CANCELLED, "endpoint removed")
        assert await store.due(now=99.0, limit=10) == []
        assert await store.next_due_at() is None
    finally:
        await store.close()


async def test_the_log_keeps_the_newest_finished_rows(tmp_path: Path) -> None:
    store = await WebhookStore.open(tmp_path, keep=3)
    try:
        targets = [await store.add_endpoint("http://127.0.0.1:9/x", ())]
        for n in range(6):
            await store.enqueue(_announcement(n), targets, now=float(n))
            (due,) = await store.due(now=float(n), limit=1)
            await store.attempted(due.delivery.id, DeliveryStatus.DELIVERED, n, 200, "", n)
        await store.enqueue(_announcement(6), targets, now=6.0)  # pending rows are never pruned
        kept = [row.event_id for row in await store.log()]
        assert kept == ["room-6:started", "room-5:started", "room-4:started", "room-3:started"]
    finally:
        await store.close()


async def test_endpoints_and_pending_deliveries_survive_reopening(tmp_path: Path) -> None:
    store = await WebhookStore.open(tmp_path)
    endpoint = await store.add_endpoint("http://127.0.0.1:9/x", (WebhookEvent.ROOM_STARTED,))
    await store.enqueue(_announcement(1), [endpoint], now=1.0)
    await store.close()
    reopened = await WebhookStore.open(tmp_path)
    try:
        (again,) = await reopened.endpoints()
        assert again == endpoint and again.secret == endpoint.secret
        (due,) = await reopened.due(now=2.0, limit=5)
        assert due.body == b'{"n": 1}' and (due.url, due.secret) == (endpoint.url, endpoint.secret)
        assert Endpoint.from_record(endpoint.record()) == endpoint
    finally:
        await reopened.close()
