"""RPC throughput on loopback: ``GET /status`` and ``GET /block`` against a bare aiohttp baseline.

    python benches/bench_rpc.py [--quick]

The server (over the in-memory FakeNode of the tests) runs in a child process; the client is
aiohttp with keep-alive and several concurrent workers. The baseline route returns a constant
``{}`` from a bare aiohttp app: the ratio is what the view, the encoding and the error middleware
cost. Each cell is the median of several timed runs. A last row times ``RpcServer.stop()`` with
one ``/events`` stream open (the test only checks that stop ends the stream cleanly).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the fake view lives in tests/

from tests.node.rpc.fake_view import FakeNode
from zkpov.node.rpc.app import create_app
from zkpov.node.rpc.server import RpcConfig, RpcServer

WORKERS = 8


def _bare_app() -> web.Application:
    async def on_empty(request: web.Request) -> web.Response:
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/empty", on_empty)
    return app


def _serve(port_out: Any, ready: Any) -> None:
    async def main() -> None:
        rpc = RpcServer(create_app(FakeNode(n_blocks=50)), RpcConfig(port=0))
        bare = RpcServer(_bare_app(), RpcConfig(port=0))
        await rpc.start()
        await bare.start()
        port_out.put((rpc.get_port(), bare.get_port()))
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


async def _worker(session: aiohttp.ClientSession, url: str, until: float) -> int:
    done = 0
    while time.perf_counter() < until:
        async with session.get(url) as response:
            await response.read()
            assert response.status == 200
        done += 1
    return done


async def measure(url: str, seconds: float) -> float:
    """Requests per second over ``seconds`` with WORKERS concurrent keep-alive clients."""
    async with aiohttp.ClientSession() as session:
        await _worker(session, url, time.perf_counter() + 0.2)  # warm up the connection
        start = time.perf_counter()
        counts = await asyncio.gather(
            *(_worker(session, url, start + seconds) for _ in range(WORKERS))
        )
        return sum(counts) / (time.perf_counter() - start)


async def measure_stop() -> float:
    """Seconds ``RpcServer.stop()`` takes with one ``/events`` stream open."""
    server = RpcServer(create_app(FakeNode()), RpcConfig(port=0))
    await server.start()
    async with aiohttp.ClientSession() as session:
        response = await session.get(f"http://127.0.0.1:{server.get_port()}/events")
        await response.content.readline()  # the stream is open
        start = time.perf_counter()
        await server.stop()
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs, seconds = (3, 0.5) if args.quick else (5, 2.0)
    ports: Any = multiprocessing.Queue()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=_serve, args=(ports, ready), daemon=True)
    server.start()
    ready.wait(30)
    rpc_port, bare_port = ports.get()
    rows = [
        ("bare aiohttp GET /empty", f"http://127.0.0.1:{bare_port}/empty"),
        ("zkpov GET /status", f"http://127.0.0.1:{rpc_port}/status"),
        ("zkpov GET /block?height=10", f"http://127.0.0.1:{rpc_port}/block?height=10"),
    ]
    print(f"{'route':32} {'req/s (median)':>16}")
    for name, url in rows:
        rates = [asyncio.run(measure(url, seconds)) for _ in range(runs)]
        print(f"{name:32} {statistics.median(rates):16.0f}")
    server.terminate()
    stops = [asyncio.run(measure_stop()) for _ in range(runs)]
    print(f"\nstop() with an open /events stream: {statistics.median(stops) * 1e3:.1f} ms (median)")


if __name__ == "__main__":
    main()
