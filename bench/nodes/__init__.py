"""Several huizhen nodes over Redis: fan-out across nodes, failover time."""
