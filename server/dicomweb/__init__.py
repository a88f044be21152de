"""DICOMweb over the study store: QIDO-RS, WADO-RS (instances, metadata, frames, bulk data,
rendered), STOW-RS, plus the admin endpoints that attach studies to rooms and the endpoints
that share a room's own studies with other rooms (``sharing``; ownership lives in the store,
``server.cases.ownership``).

Mounted by ``server.app`` with ``routes()`` and ``dicomweb_lifespan`` (one line each).

Recommended order for a client on a slow link (the web client): 1. ``GET .../series/{se}/
metadata`` (gzip JSON, cached), 2. ``GET .../instances/{current}/frames/1`` with
``Accept: multipart/related; type=application/octet-stream; transfer-syntax=*`` for the slice
the presenter shows now (JPEG-LS lossless, ~1/3 of raw for CT), 3. the remaining frames of the
series in order of distance from the current slice, a few requests in flight at a time.
Every answer is immutable and carries an ETag, so a rejoin costs only 304s.
"""

from server.dicomweb.routes import routes
from server.dicomweb.service import dicomweb_lifespan

__all__ = ["dicomweb_lifespan", "routes"]
