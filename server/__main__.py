"""``python -m server`` = the ``huizhen`` command."""

from server.cli import app

app()
