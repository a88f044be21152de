"""ICE for the SFU's peer connections: STUN/TURN servers from settings, loopback for tests.

Hospitals behind NAT reach the SFU through a TURN relay (see ``docs/coturn.md``); the same list
of servers is handed to the browsers so both sides gather relayed candidates.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import aioice.ice
from aiortc import RTCBundlePolicy, RTCConfiguration, RTCIceServer

from server.settings import IceServer


def rtc_configuration(servers: Sequence[IceServer]) -> RTCConfiguration:
    """An explicit (possibly empty) list: aiortc would otherwise ask a public STUN server.

    One transport for every section (max-bundle, as browsers bundle): with aiortc's default
    "balanced" policy, a second video section created before the first negotiation (a
    subscriber joining a room with two cameras) keeps a transport that BUNDLE then discards,
    and its sender never starts.
    """
    return RTCConfiguration(
        iceServers=[
            RTCIceServer(urls=list(s.urls), username=s.username, credential=s.credential)
            for s in servers
            if s.credential is not None or not _is_turn(s)  # minted ones are for browsers
        ],
        bundlePolicy=RTCBundlePolicy.MAX_BUNDLE,
    )


def _is_turn(server: IceServer) -> bool:
    return any(url.startswith(("turn:", "turns:")) for url in server.urls)


@contextmanager
def host_addresses(addresses: Sequence[str]) -> Iterator[None]:
    """Gather host candidates only on ``addresses`` (e.g. ``["127.0.0.1"]``) while active.

    aioice skips 127.0.0.1 when it enumerates interfaces; on a loopback-only host, or to keep
    test traffic on ``lo``, this pins the host candidates. Process-wide: the SFU lifespan uses it
    for ``Settings.media_addresses`` (one SFU per process); tests and benchmarks too.
    """
    original = aioice.ice.get_host_addresses
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: list(addresses)
    try:
        yield
    finally:
        aioice.ice.get_host_addresses = original
