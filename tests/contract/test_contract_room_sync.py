"""The room sync suite of ``tests/server`` (real uvicorn, real WebSocket clients), run on the
in-memory default AND on one node over a real Redis (``live_server`` is parametrized in this
directory's conftest): with ``--redis`` a client sees exactly the same protocol."""

from test_room_sync import (
    test_late_joiner_gets_a_snapshot,
    test_observer_cannot_drive_and_nothing_changes,
    test_ping_pong,
    test_pointer_is_ephemeral_and_acked_without_seq,
    test_reconnect_within_grace_keeps_the_participant,
    test_resume_from_beyond_the_log_gets_a_snapshot,
    test_resume_from_gets_exactly_the_missed_events,
    test_two_roles_see_each_others_changes_in_seq_order,
)

__all__ = [
    "test_late_joiner_gets_a_snapshot",
    "test_observer_cannot_drive_and_nothing_changes",
    "test_ping_pong",
    "test_pointer_is_ephemeral_and_acked_without_seq",
    "test_reconnect_within_grace_keeps_the_participant",
    "test_resume_from_beyond_the_log_gets_a_snapshot",
    "test_resume_from_gets_exactly_the_missed_events",
    "test_two_roles_see_each_others_changes_in_seq_order",
]
