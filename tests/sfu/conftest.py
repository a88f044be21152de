"""aiortc peers in one process, with ICE pinned to 127.0.0.1 (test traffic stays on lo)."""

from collections.abc import AsyncIterator, Iterator

import pytest
from sfu_peers import Peers

from server.sfu.ice import host_addresses


@pytest.fixture(autouse=True)
def loopback_ice() -> Iterator[None]:
    with host_addresses(["127.0.0.1"]):
        yield


@pytest.fixture
async def peers() -> AsyncIterator[Peers]:
    made = Peers()
    yield made
    await made.close()
