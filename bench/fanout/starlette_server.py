"""A naive starlette fan-out under uvicorn configured like huizhen (``websockets-sansio``).

Listeners connect to ``/listen``; every message the driver sends to ``/drive`` is forwarded
with ``await websocket.send_bytes(...)`` to each listener in turn, from the driver's task.
Between ``websockets-broadcast`` and huizhen: the cost of the ASGI send path alone, without
huizhen's per-connection queues, writer tasks and metrics.

    python -m bench.fanout.starlette_server PORT
"""

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


def create_app() -> Starlette:
    listeners: set[WebSocket] = set()

    async def listen(websocket: WebSocket) -> None:
        await websocket.accept()
        listeners.add(websocket)
        try:
            while True:
                await websocket.receive_bytes()
        except WebSocketDisconnect:
            pass
        finally:
            listeners.discard(websocket)

    async def drive(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                message = await websocket.receive_bytes()
                for listener in list(listeners):
                    await listener.send_bytes(message)
        except WebSocketDisconnect:
            pass

    return Starlette(routes=[WebSocketRoute("/listen", listen), WebSocketRoute("/drive", drive)])


if __name__ == "__main__":
    uvicorn.run(
        create_app(),
        host="127.0.0.1",
        port=int(sys.argv[1]),
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        log_level="warning",
        access_log=False,
    )
