"""Fan-out benchmark: one driver, N listeners, huizhen and its peers (see ``run.py``)."""
