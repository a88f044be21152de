"""Durable rooms on one node: an embedded SQLite store (``RoomLog`` + ``RoomDirectory``) in the
data directory, so ``kill -9`` and a restart bring every room back (issue 13)."""
