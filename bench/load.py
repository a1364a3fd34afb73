"""Closed-loop HTTP load: `concurrency` clients each send the next GET as soon as the last
answer arrived, for `duration` seconds after a warm-up. Prints one JSON line.

Runs in its own process (bench/gateway.py starts it), so its CPU use is the same for every
target and never shares an event loop with a server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import aiohttp
import uvloop


async def run(
    url: str, headers: dict[str, str], concurrency: int, duration: float, warmup: float
) -> dict[str, float]:
    counts = {"ok": 0, "failed": 0, "total": 0}
    measuring = False
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def client(stop_at: float) -> None:
            while time.monotonic() < stop_at:
                try:
                    async with session.get(url) as response:
                        await response.read()
                        good = response.status == 200
                except aiohttp.ClientError:
                    good = False
                counts["total"] += 1  # warm-up included, to share out CPU time
                if measuring:
                    counts["ok" if good else "failed"] += 1

        started = time.monotonic()
        stop_at = started + warmup + duration
        tasks = [asyncio.create_task(client(stop_at)) for _ in range(concurrency)]
        await asyncio.sleep(warmup)
        measuring, began = True, time.monotonic()
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - began
    return {
        "ok": counts["ok"],
        "failed": counts["failed"],
        "total": counts["total"],
        "seconds": round(elapsed, 3),
        "rps": round(counts["ok"] / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--token", default="")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args()
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    result = uvloop.run(run(args.url, headers, args.concurrency, args.duration, args.warmup))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
