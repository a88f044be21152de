"""The pure-Python floor: websockets 17's asyncio server and ``broadcast()``.

Listeners connect to ``/listen``; the driver connects to ``/drive`` and every message it
sends goes out unchanged to every listener (no decoding, no per-recipient encoding).

    python -m bench.fanout.bare_server PORT
"""

import asyncio
import signal
import sys

from websockets.asyncio.server import ServerConnection, broadcast, serve


async def main(port: int) -> None:
    listeners: set[ServerConnection] = set()

    async def handler(connection: ServerConnection) -> None:
        assert connection.request is not None
        if connection.request.path == "/drive":
            async for message in connection:
                broadcast(listeners, message)
            return
        listeners.add(connection)
        try:
            await connection.wait_closed()
        finally:
            listeners.discard(connection)

    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None):
        print(f"listening {port}", flush=True)
        await stop


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
