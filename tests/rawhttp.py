"""A raw HTTP/1.1 client over asyncio streams, for bodies httpx cannot send the way an attacker
would: chunked bodies that keep coming after the server answered, slow bodies, lying lengths.

``send`` writes the head, then each chunk (chunked framing unless a ``Content-Length`` header
is given), and reads the answer concurrently: it stops sending as soon as the server answers or
closes, and returns the answer with how many body bytes went out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes
    sent: int  # body bytes written before the answer came (or the connection closed)

    def json(self) -> Any:
        return json.loads(self.body)


async def open_request(
    port: int, method: str, path: str, headers: Mapping[str, str]
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect and write the request head; the caller writes the body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if not any(name.lower() == "content-length" for name in headers):
        lines.append("Transfer-Encoding: chunked")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()
    return reader, writer


def chunk_frame(data: bytes) -> bytes:
    return b"%x\r\n" % len(data) + data + b"\r\n"


LAST_CHUNK = b"0\r\n\r\n"


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in filter(None, header_lines):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length)
    return int(status_line.split()[1]), headers, body


async def send(
    port: int,
    method: str,
    path: str,
    headers: Mapping[str, str],
    chunks: Iterable[bytes] | AsyncIterator[bytes],
) -> RawAnswer:
    reader, writer = await open_request(port, method, path, headers)
    chunked = not any(name.lower() == "content-length" for name in headers)
    answer = asyncio.create_task(read_answer(reader))
    sent = 0
    try:
        async for chunk in _aiter(chunks):
            if answer.done():
                break
            writer.write(chunk_frame(chunk) if chunked else chunk)
            await writer.drain()
            sent += len(chunk)
        else:
            if chunked:
                writer.write(LAST_CHUNK)
                await writer.drain()
    except ConnectionError:
        pass  # the server answered and closed while we were still sending
    try:
        status, answer_headers, body = await answer
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return RawAnswer(status, answer_headers, body, sent)


async def _aiter(chunks: Iterable[bytes] | AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if isinstance(chunks, AsyncIterator):
        async for chunk in chunks:
            yield chunk
    else:
        for chunk in chunks:
            yield chunk
            await asyncio.sleep(0)  # let the answer task run between writes
