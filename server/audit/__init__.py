"""The audit trail (监管): an append-only, tamper-evident log of who did what in which room
and who read which patient's images. Format and verification: docs/security/audit.md.

``chain`` (entry format, seal, verify: pure) · ``store`` (SQLite / Redis) · ``events`` (which
room events count) · ``service`` (the writer, read aggregation) · ``hooks`` (one-line calls
for HTTP routes) · ``query`` · ``api`` (admin endpoints) · ``lifespan`` · ``cli``.
"""
