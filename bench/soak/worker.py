"""A soak worker process: its share of the clients in one asyncio loop.

    python -m bench.soak.worker --plan plan.json --out result.json

The plan (from ``bench.soak.run``) lists this worker's clients (url, token, name, behaviour)
and the end time; the result is its ``Tally`` as JSON, written when the clients are done.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
from dataclasses import asdict
from pathlib import Path

from bench.soak.client import Behaviour, SoakClient, Tally

CONNECT_SPREAD_S = 20.0  # clients join over this long, not all in one burst


async def main(plan: dict[str, object]) -> dict[str, object]:
    until = float(plan["until"])  # type: ignore[arg-type]
    tally = Tally(t0=float(plan["t0"]))  # type: ignore[arg-type]
    clients = [
        SoakClient(c["url"], c["token"], c["name"], Behaviour(**c["behaviour"]), tally)
        for c in plan["clients"]  # type: ignore[attr-defined]
    ]

    async def start(i: int, client: SoakClient) -> None:
        await asyncio.sleep(CONNECT_SPREAD_S * i / max(1, len(clients)))
        await client.run(until)

    await asyncio.gather(*(start(i, c) for i, c in enumerate(clients)))
    for client in clients:
        client.finish()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return asdict(tally) | {"cpu_s": usage.ru_utime + usage.ru_stime, "clients": len(clients)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    result = asyncio.run(main(json.loads(args.plan.read_text())))
    args.out.write_text(json.dumps(result))
