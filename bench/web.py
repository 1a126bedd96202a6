"""Requests/s and p99 latency of `batchlabel serve` for a unit's origin page (HTML), its JSON,
and the resolver's redirect from the label's Digital Link to that page, with 1,000,000 units
in the database, measured by a load generator in a second process on 127.0.0.1 (8 keep-alive
connections, random units)."""

from __future__ import annotations

import http.client
import json
import multiprocessing
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from batchlabel.store import Store
from bench.common import Figure, percentiles
from bench.scanning import ACTOR, build

CONNECTIONS = 8
SECONDS = 6.0


def _load(
    port: int, paths: list[str], accept: str, expect: int, out: multiprocessing.Queue[Any]
) -> None:
    latencies: list[float] = []
    errors = [0]
    stop = time.perf_counter() + SECONDS
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        mine: list[float] = []
        while time.perf_counter() < stop:
            start = time.perf_counter()
            conn.request("GET", rng.choice(paths), headers={"accept": accept})
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - start) * 1000)
            if response.status != expect:
                errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put((len(latencies) / SECONDS, percentiles(latencies)[1], errors[0]))


def _measure(
    port: int, paths: list[str], accept: str, expect: int = 200
) -> tuple[float, float, int]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_load, args=(port, paths, accept, expect, queue))
    process.start()
    result: tuple[float, float, int] = queue.get(timeout=SECONDS + 60)
    process.join()
    return result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _furnish(db: Path) -> None:
    """Give every batch what a real origin page shows: two materials and three steps."""
    store = Store.open(db)
    hide = store.receive_material(
        "leather", "Conceria Rossi", "H-1", ACTOR, origin="Tuscany, Italy", public=True
    )
    thread = store.receive_material("thread", "Filati SpA", "T-1", ACTOR)
    for batch in store.batches():
        for material in (hide, thread):
            store.add_input(batch, ACTOR, material=material)
        for step in ("cutting", "stitching", "edge finishing"):
            store.record_step(batch, step, "", ACTOR)
    store.close()


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        picks = build(db)
        _furnish(db)
        paths = [
            f"/01/{gtin}/10/{quote(lot, safe='')}/21/{quote(serial, safe='')}"
            for gtin, lot, serial in picks
        ]
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "batchlabel", "--db", str(db), "serve", "--port", str(port),
             "--rate-limit", "0"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            json_rate, json_p99, json_errors = _measure(
                port, ["/data" + p for p in paths], "application/json"
            )
            html_rate, html_p99, html_errors = _measure(
                port, ["/origin" + p for p in paths], "text/html"
            )
            link_rate, link_p99, link_errors = _measure(port, paths, "text/html", expect=307)
        finally:
            server.terminate()
            server.wait(timeout=10)
    note = f"{len(picks) * 100:,} units, 3 steps and 2 materials a batch; errors {json_errors + html_errors + link_errors}"
    return [
        Figure("origin JSON: batchlabel serve", json_rate, "requests/s", ">= 1,000", note),
        Figure("origin JSON p99", json_p99, "ms", "< 20"),
        Figure("origin HTML page: batchlabel serve", html_rate, "requests/s", ">= 500"),
        Figure("origin HTML p99", html_p99, "ms", "< 20"),
        Figure("Digital Link redirect (307) to the page", link_rate, "requests/s"),
        Figure("Digital Link redirect p99", link_p99, "ms", "< 20"),
    ]


if __name__ == "__main__":
    print(json.dumps([f.__dict__ for f in run()]))
