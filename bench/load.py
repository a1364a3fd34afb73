"""HTTP load in two shapes, one JSON line out:

- closed loop (default): `concurrency` clients each send the next request as soon as the
  last answer arrived, for `duration` seconds after a warm-up; reports requests/s.
- fixed rate (`--rate N`): one request every 1/N s whatever the answers do (open loop, so
  a slow server cannot slow the generator down and hide its own latency), for `duration`
  seconds after a warm-up; reports the latency percentiles, measured from the moment each
  request was due.

Either sends GETs, or `--method` with a `--json` body. Given several URLs (one host) or
several bodies, request n goes to URL n and carries body n, each list taken round: writes
that really change rows, spread over rows so that concurrent ones do not queue on one lock.

Runs in its own process (bench/gateway.py starts it), so its CPU use is the same for every
target and never shares an event loop with a server. It sends with the gateway's own
HTTP/1.1 client (cwp_gateway.proxy.client), not aiohttp's: on two cores the generator
shares the CPU with the processes it measures, and aiohttp's client costs about 145 µs of
CPU per request, as much as the gateway itself, where this one costs about 25 µs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from urllib.parse import urlsplit

import uvloop

from cwp_gateway.proxy.client import UpstreamClient, UpstreamError

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0


class Target:
    """URLs of one host and the bodies to send them, taken round, through one client."""

    def __init__(
        self,
        urls: list[str],
        headers: dict[str, str],
        pool_size: int,
        method: str = "GET",
        bodies: list[bytes] | None = None,
    ) -> None:
        bases = set()
        self.paths: list[bytes] = []
        for url in urls:
            parts = urlsplit(url)
            bases.add(f"{parts.scheme}://{parts.netloc}")
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            self.paths.append(path.encode("latin-1"))
        if len(bases) != 1:
            raise SystemExit("load.py: the URLs must all be on one host")
        self.base = bases.pop()
        self.method = method
        self.bodies: list[bytes | None] = list(bodies) if bodies else [None]
        self.sent = 0
        self.headers = list(headers.items())
        self.client = UpstreamClient(pool_size)

    async def send(self) -> bool:
        """The next request; whether its answer was a 200, read to its end."""
        n, self.sent = self.sent, self.sent + 1
        try:
            answer = await self.client.request(
                self.base,
                self.method,
                self.paths[n % len(self.paths)],
                self.headers,
                self.bodies[n % len(self.bodies)],
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT,
            )
            async with answer:
                await answer.read()
                status: int = answer.status
            return status == 200
        except (UpstreamError, OSError, TimeoutError):
            return False


async def closed_loop(
    target: Target, concurrency: int, duration: float, warmup: float
) -> dict[str, float]:
    counts = {"ok": 0, "failed": 0, "total": 0}
    measuring = False

    async def client(stop_at: float) -> None:
        while time.monotonic() < stop_at:
            good = await target.send()
            counts["total"] += 1  # warm-up included, to share out CPU time
            if measuring:
                counts["ok" if good else "failed"] += 1

    started = time.monotonic()
    stop_at = started + warmup + duration
    tasks = [asyncio.create_task(client(stop_at)) for _ in range(concurrency)]
    await asyncio.sleep(warmup)
    measuring, began = True, time.monotonic()
    try:
        await asyncio.gather(*tasks)
    finally:
        target.client.close()
    elapsed = time.monotonic() - began
    return {
        "ok": counts["ok"],
        "failed": counts["failed"],
        "total": counts["total"],
        "seconds": round(elapsed, 3),
        "rps": round(counts["ok"] / elapsed, 1),
    }


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


async def fixed_rate(
    target: Target, rate: float, duration: float, warmup: float
) -> dict[str, float]:
    latencies: list[float] = []
    counts = {"ok": 0, "failed": 0, "total": 0}

    async def one(due: float, measured: bool) -> None:
        good = await target.send()
        counts["total"] += 1
        if measured:
            counts["ok" if good else "failed"] += 1
            if good:
                latencies.append(time.monotonic() - due)

    interval = 1.0 / rate
    start = time.monotonic() + 0.05
    total = int((warmup + duration) * rate)
    warm = int(warmup * rate)
    tasks: list[asyncio.Task[None]] = []
    try:
        for i in range(total):
            due = start + i * interval
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(due, i >= warm)))
        await asyncio.gather(*tasks)
    finally:
        target.client.close()
    latencies.sort()
    ms = [v * 1000 for v in latencies]
    return {
        "ok": counts["ok"],
        "failed": counts["failed"],
        "total": counts["total"],
        "p50_ms": round(percentile(ms, 50), 3),
        "p90_ms": round(percentile(ms, 90), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "mean_ms": round(statistics.fmean(ms), 3) if ms else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="+")
    parser.add_argument("--token", default="")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rate", type=float, default=0.0, help="fixed requests/s (open loop)")
    parser.add_argument("--method", default="GET")
    parser.add_argument(
        "--json", action="append", default=[], help="a JSON body to send (again: taken round)"
    )
    args = parser.parse_args()
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    if args.json:
        headers["Content-Type"] = "application/json"
    bodies = [body.encode() for body in args.json]
    # At a fixed rate, enough connections that the pool never queues.
    pool = 256 if args.rate > 0 else args.concurrency
    target = Target(args.url, headers, pool, args.method, bodies)
    if args.rate > 0:
        result = uvloop.run(fixed_rate(target, args.rate, args.duration, args.warmup))
    else:
        result = uvloop.run(closed_loop(target, args.concurrency, args.duration, args.warmup))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
