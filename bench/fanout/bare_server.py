"""The pure-Python floor: websockets 17's asyncio server and ``broadcast()``.

Listeners connect to ``/listen``; the driver connects to ``/drive`` and every message it
sends goes out unchanged to every listener (no decoding, no per-recipient encoding).

With ``prebuilt``, the WebSocket frame (header + payload; server frames are not masked, so
the bytes are the same for everyone) is built ONCE and written to every listener's transport:
the floor for "encode once, send many" carried down to the framing layer — one
``transport.write`` (one ``send`` syscall) per recipient and nothing else.

    python -m bench.fanout.bare_server PORT [prebuilt]
"""

import asyncio
import signal
import sys

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.frames import Frame, Opcode


def write_prebuilt(listeners: set[ServerConnection], message: bytes) -> None:
    wire = Frame(Opcode.BINARY, message).serialize(mask=False)
    for connection in listeners:
        connection.transport.write(wire)


async def main(port: int, prebuilt: bool) -> None:
    listeners: set[ServerConnection] = set()

    async def handler(connection: ServerConnection) -> None:
        assert connection.request is not None
        if connection.request.path == "/drive":
            async for message in connection:
                if prebuilt and isinstance(message, bytes):
                    write_prebuilt(listeners, message)
                else:
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
    asyncio.run(main(int(sys.argv[1]), sys.argv[2:] == ["prebuilt"]))
