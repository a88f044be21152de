"""Several huizhen nodes over Redis (``--redis URL``), the way LiveKit does it.

- ``keys``: every key name; per-room keys carry the hash tag ``{room:<id>}`` so one room's
  keys share a Redis Cluster slot (MULTI/EXEC and Lua over them stay legal).
- ``directory`` / ``roomlog``: Redis implementations of ``server.interfaces``.
- ``writer``: keeps a room's durable log in step with its owner task (acks wait for it).
- ``nodes``: node heartbeat + load, room placement under a lock, dead-node detection.
- ``takeover``: a live node adopts the rooms of a dead one from their log.
- ``wiring``: the lifespan hook that puts it together when ``settings.redis_url`` is set.
"""
