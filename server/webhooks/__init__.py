"""Webhooks: signed HTTP callbacks to the organisation's systems when rooms start and end,
people join and leave, and recordings finish (as LiveKit's webhooks; docs/webhooks.md).

- ``events``: what is announced (``WebhookEvent``) and the JSON body of each, built from the
  room's ordered event stream; the service observes rooms the way the recorder does.
- ``signing``: the signature headers (HMAC-SHA256 with the endpoint's own secret) and the
  verification a receiver runs.
- ``store``: endpoints, and the deliveries (outbox and log) in ``<data dir>/webhooks.sqlite3``,
  so a delivery that was due when the server stopped is sent after the restart.
- ``service``: the observer, the bounded hand-off queue and the delivery loop (retries with
  exponential backoff, a bounded number of attempts). A room never waits for a webhook.
- ``api`` / ``cli``: the admin API (API key) and ``huizhen webhooks add/list/remove/log``.
"""
