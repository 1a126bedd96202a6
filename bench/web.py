"""Requests/s and p99 latency of `batchlabel serve` with 1,000,000 units in the database, driven
by wrk (1 thread, 8 connections) on 127.0.0.1, beside a bare Starlette route on the same
uvicorn settings in the same run: a unit's JSON, its HTML page, the Digital Link redirect and
the linkset. Once for one unit asked about by every phone at once (a recall in the news, a
viral product: its answer is kept), once for 10,000 different units (most made anew)."""

from __future__ import annotations

import json
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from batchlabel.store import Store
from bench.common import Figure
from bench.scanning import ACTOR, build

SECONDS = 5
SPREAD = 10_000


def _wrk(port: int, paths: list[str], accept: str, folder: Path) -> tuple[float, float, int]:
    """requests/s, p99 ms and answers that were not 2xx/3xx, from wrk asking for ``paths``
    in random order."""
    script = folder / "paths.lua"
    listed = ",".join(json.dumps(p) for p in paths)
    script.write_text(
        f"local paths = {{{listed}}}\n"
        "request = function()\n"
        f"  return wrk.format('GET', paths[math.random(#paths)], {{['Accept'] = {json.dumps(accept)}}})\n"
        "end\n"
    )
    done = subprocess.run(
        ["wrk", "-t1", "-c8", f"-d{SECONDS}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout).group(1))  # type: ignore[union-attr]
    p99_text = re.search(r"99%\s+([\d.]+)(us|ms|s)", done.stdout)
    assert p99_text, done.stdout
    p99 = float(p99_text.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99_text.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    return rate, p99, int(bad.group(1)) if bad else 0


def _wait(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("a server did not start")


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
    if shutil.which("wrk") is None:
        raise SystemExit("The web benchmark needs wrk (scripts/setup-system.sh installs it).")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db = folder / "bench.db"
        picks = build(db)
        _furnish(db)
        paths = [
            f"/01/{gtin}/10/{quote(lot, safe='')}/21/{quote(serial, safe='')}"
            for gtin, lot, serial in picks
        ]
        spread = random.Random(5).sample(paths * (SPREAD // len(paths) + 1), SPREAD)
        port, bare_port = _free_port(), _free_port()
        servers = [
            subprocess.Popen(
                [sys.executable, "-m", "batchlabel", "--db", str(db), "serve", "--port",
                 str(port), "--rate-limit", "0"],
                stdout=subprocess.DEVNULL,
            ),
            subprocess.Popen([sys.executable, "-m", "bench.bare", str(bare_port)]),
        ]  # fmt: skip
        try:
            _wait(port)
            _wait(bare_port)
            bare = _wrk(bare_port, ["/bare"], "application/json", folder)
            one = paths[0]
            hot = {
                "JSON": _wrk(port, ["/data" + one], "application/json", folder),
                "HTML page": _wrk(port, ["/origin" + one], "text/html", folder),
                "redirect (307)": _wrk(port, [one], "text/html", folder),
                "linkset": _wrk(port, [one + "?linkType=linkset"], "application/json", folder),
            }
            cold = {
                "JSON": _wrk(port, ["/data" + p for p in spread], "application/json", folder),
                "HTML page": _wrk(port, ["/origin" + p for p in spread], "text/html", folder),
            }
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)
    goals = {"JSON": 0.5, "HTML page": 0.35, "redirect (307)": 0.5, "linkset": 0.5}
    figures = [
        Figure("bare Starlette route, same uvicorn settings (peer)", bare[0], "requests/s", "",
               f"p99 {bare[1]:.2f} ms"),
    ]  # fmt: skip
    errors = 0
    for label, (rate, p99, bad) in hot.items():
        errors += bad
        figures.append(
            Figure(f"one unit, every phone at once: {label}", rate, "requests/s",
                   f">= {goals[label]:.0%} of bare", f"{rate / bare[0]:.0%} of bare; p99 {p99:.2f} ms (goal < 10)")
        )  # fmt: skip
    for label, (rate, p99, bad) in cold.items():
        errors += bad
        figures.append(
            Figure(f"{SPREAD:,} different units: {label}", rate, "requests/s", "",
                   f"{rate / bare[0]:.0%} of bare; p99 {p99:.2f} ms")
        )  # fmt: skip
    figures.append(
        Figure("answers that were not 2xx/3xx", errors, "", "0",
               f"{len(picks) * 100:,} units, 3 steps and 2 materials a batch")
    )  # fmt: skip
    return figures


if __name__ == "__main__":
    print(json.dumps([f.__dict__ for f in run()]))
