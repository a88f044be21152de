"""The audit's lifespan hook: open the store, observe every room, flush at shutdown.

One node: ``<data dir>/audit.sqlite3``, chain ``local``. With ``--redis``: the shared Redis,
one chain per node (its node id), so nodes never contend for a chain's head.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from server.appstate import AppState
from server.audit.ed25519 import load_private
from server.audit.service import AuditLog
from server.audit.store import AuditStore, RedisAudit, SqliteAudit
from server.cases.store import StudyStore

LOCAL_CHAIN = "local"


async def open_store(state: AppState) -> tuple[AuditStore, str]:
    """The store and this node's chain name."""
    settings = state.settings
    if settings.redis_url and state.redis_node is not None:
        client = Redis.from_url(settings.redis_url, socket_timeout=5.0, socket_connect_timeout=2.0)
        return RedisAudit(client), state.redis_node.id
    return await SqliteAudit(settings.data_dir).open(), LOCAL_CHAIN


class PatientOf:
    """Study UID -> patient id from the study store (called in a worker thread)."""

    def __init__(self, studies: StudyStore) -> None:
        self._studies = studies

    def __call__(self, study_uid: str) -> str | None:
        record = self._studies.study(study_uid)
        return None if record is None else record.patient_id


@contextlib.asynccontextmanager
async def audit_lifespan(state: AppState) -> AsyncIterator[None]:
    key_file = state.settings.audit_key_file
    signer = await asyncio.to_thread(load_private, key_file) if key_file else None
    store, chain = await open_store(state)
    audit = AuditLog(store, chain, state.keys, PatientOf(state.studies), signer=signer)
    audit.start()
    state.audit = audit
    state.rooms.on_host(audit.attach)
    try:
        yield
    finally:
        try:
            await audit.close()
        finally:
            state.audit = None
            await store.close()
