"""python-socketio peer: an ASGI ``AsyncServer`` under uvicorn, room broadcast.

python -m bench.fanout.sio_server PORT [msgpack]
"""

import sys

import socketio
import uvicorn


def create_app(serializer: str) -> socketio.ASGIApp:
    sio = socketio.AsyncServer(async_mode="asgi", serializer=serializer, transports=["websocket"])

    @sio.event  # type: ignore[untyped-decorator]
    async def connect(sid: str, environ: dict[str, object]) -> None:
        await sio.enter_room(sid, "r")

    @sio.on("voi")  # type: ignore[untyped-decorator]
    async def voi(sid: str, data: bytes) -> None:
        await sio.emit("voi", data, room="r", skip_sid=sid)

    @sio.on("ptr")  # type: ignore[untyped-decorator]
    async def ptr(sid: str, data: bytes) -> None:
        await sio.emit("ptr", data, room="r", skip_sid=sid)

    return socketio.ASGIApp(sio)


if __name__ == "__main__":
    port = int(sys.argv[1])
    serializer = sys.argv[2] if len(sys.argv) > 2 else "default"
    print(f"listening {port}", flush=True)
    uvicorn.run(
        create_app(serializer),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        ws_per_message_deflate=False,
    )
