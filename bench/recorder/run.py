"""Run the recorder benchmarks; ``--docs`` replaces the recorder section of docs/benchmarks.md.

.venv/bin/python -m bench.recorder.run [--minutes 60] [--media-seconds 10] [--docs]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from bench.recorder.media import MediaResult, measure_media
from bench.recorder.seek import SeekResult, measure_seek

DOCS = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
BEGIN, END = "<!-- recorder:begin -->", "<!-- recorder:end -->"


def seek_table(r: SeekResult) -> str:
    return "\n".join(
        [
            "| recording | events (durable) | events.msgpack | snapshots | seek p50 | p95 | max |",
            "|---|---|---|---|---|---|---|",
            f"| {r.minutes:.0f} min busy | {r.events:,} ({r.durable:,}) | {r.events_mb:.1f} MB"
            f" | {r.snapshots_mb:.2f} MB | {r.p50_ms:.1f} ms | {r.p95_ms:.1f} ms"
            f" | {r.max_ms:.1f} ms |",
        ]
    )


def media_table(results: list[MediaResult], seek: SeekResult | None = None) -> str:
    rows = [
        "| recorder | CPU per recorded second | disk per recorded minute |",
        "|---|---|---|",
    ]
    if seek is not None:
        cpu_ms = seek.write_cpu_s / (seek.minutes * 60) * 1000
        per_minute = (seek.events_mb + seek.snapshots_mb) / seek.minutes
        label = "huizhen event stream (the busy room above)"
        rows.append(f"| {label} | {cpu_ms:.1f} ms | {per_minute:.2f} MB |")
    for r in results:
        disk = f"{r.disk_mb / r.seconds * 60:.1f} MB" if r.disk_mb else "—"
        rows.append(f"| {r.name} | {r.cpu_per_media_s * 1000:.1f} ms | {disk} |")
    return "\n".join(rows)


def section(seek: SeekResult, media: list[MediaResult], load: str) -> str:
    return f"""{BEGIN}
## Recorder: seek and recording cost (`bench/recorder/`)

Run: `.venv/bin/python -m bench.recorder.run --docs` ({time.strftime("%Y-%m-%d", time.gmtime())},
{platform.machine()}, {os.cpu_count()} cores shared with other jobs; load average {load}).

### Seek to a restored viewer state (target ≤ 200 ms)

A pure `Room` plays a busy consultation (two pointers at 30 Hz each; the driver changes image,
window or zoom 10 times a second; a measurement every 20 s; a chat question every 30 s); every
event goes through the real `RecordingWriter` into real files (snapshot every 500 durable events
or 10 s). Then {seek.seeks} seeks to random times: open the recording, bisect the index, read one
snapshot, replay to `t` (`RecordingReader.state_at`).

{seek_table(seek)}

### Recorder CPU and disk per recorded room, same media, same run

{media[0].seconds:.0f} s of 640x480 30 fps VP8 (libvpx, 800 kbit/s target) plus Opus stereo
20 ms frames: the encoded frames an SFU receives. huizhen muxes them unchanged
(`recorder.media.TrackWriter`); aiortc's `MediaRecorder` needs decoded frames (so the
receiver decodes) and re-encodes them (`.webm`: libvpx + libopus). CPU is process CPU time
over all threads, frames fed unpaced. `MediaRecorder`'s file is smaller because libvpx
re-encodes at its default (lower) bit rate: it also loses quality; the remuxed file is
bit-exact what participants saw. At more than one core-second per media second,
`MediaRecorder` could not even keep up with one camera in real time on this machine;
remuxing costs about a thousandth of that. The event-stream row is the 60-minute busy
recording above (events + snapshots written by the recorder, CPU of offer and writer thread).

{media_table(media, seek)}
{END}"""


def update_docs(text: str) -> None:
    current = DOCS.read_text(encoding="utf-8")
    if BEGIN in current and END in current:
        head, _, rest = current.partition(BEGIN)
        _, _, tail = rest.partition(END)
        DOCS.write_text(head + text + tail, encoding="utf-8")
    else:
        DOCS.write_text(current.rstrip("\n") + "\n\n" + text + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--media-seconds", type=float, default=10.0)
    parser.add_argument("--seeks", type=int, default=200)
    parser.add_argument("--docs", action="store_true")
    args = parser.parse_args()
    load = "{:.1f}, {:.1f}, {:.1f}".format(*os.getloadavg())
    seek = measure_seek(args.minutes, args.seeks)
    print(seek_table(seek))
    media = measure_media(args.media_seconds)
    print(media_table(media, seek))
    if args.docs:
        update_docs(section(seek, media, load))


if __name__ == "__main__":
    main()
