"""SQLite and PostgreSQL side by side, in the same run on the same machine: serial allocation
(bulk, and 16 processes one serial at a time), resolve p99 and forward trace p99 with
1,000,000 units, and origin pages with `serve --workers 2`. The PostgreSQL databases are the
SQLite ones moved with `db copy`, so both engines hold the same records.

Goal: no PostgreSQL figure worse than half of SQLite's (rates at least half, latencies at
most double), and no duplicate serial or error under concurrency."""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote
from urllib.request import urlopen

from batchlabel.store.copying import copy_database
from batchlabel.store.location import Location
from bench import scanning, traceability
from bench.allocation import bulk_batchlabel, concurrent_batchlabel
from bench.common import Figure, postgres_database, print_table
from bench.web import SPREAD, _free_port, _furnish, _wait, _wrk


def _side_by_side(
    name: str, unit: str, sqlite: float, postgres: float, higher_is_better: bool, note: str = ""
) -> list[Figure]:
    share = postgres / sqlite if higher_is_better else sqlite / postgres
    goal = ">= 50% of SQLite" if higher_is_better else "<= 2x SQLite"
    return [
        Figure(f"{name}: SQLite", sqlite, unit, "", note),
        Figure(f"{name}: PostgreSQL", postgres, unit, goal, f"{share:.0%} of SQLite's"),
    ]


def _copied(sqlite: Path, postgres: str) -> float:
    """Seconds to move the SQLite file into the empty PostgreSQL database."""
    start = time.perf_counter()
    copy_database(Location(str(sqlite)), Location(postgres))
    return time.perf_counter() - start


def allocation() -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder, postgres_database() as url:
        sqlite = bulk_batchlabel(str(Path(folder) / "bulk.db"))
        figures += _side_by_side("bulk allocate 100,000", "serials/s", sqlite,
                                 bulk_batchlabel(url), True)  # fmt: skip
    with tempfile.TemporaryDirectory() as folder, postgres_database() as url:
        sqlite, dupes, errors = concurrent_batchlabel(str(Path(folder) / "stations.db"))
        postgres, pg_dupes, pg_errors = concurrent_batchlabel(url)
        figures += _side_by_side(
            "16 processes x 1,000, one at a time", "serials/s", sqlite, postgres, True,
            f"SQLite {dupes} duplicates, {errors} errors; "
            f"PostgreSQL {pg_dupes} duplicates, {pg_errors} errors",
        )  # fmt: skip
    return figures


def resolving_and_origin_pages() -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as name, postgres_database() as url:
        folder = Path(name)
        db = folder / "scanning.db"
        picks = scanning.build(db)
        _furnish(db)
        copy_seconds = _copied(db, url)
        figures.append(Figure("db copy of 1,000,000 units to PostgreSQL", copy_seconds, "s", "",
                              "every table, counts checked, one transaction"))  # fmt: skip
        _, sqlite99, misses = scanning.resolve_latency(db, picks)
        _, postgres99, pg_misses = scanning.resolve_latency(url, picks)
        figures += _side_by_side("resolve p99, 1,000,000 units", "us", sqlite99, postgres99,
                                 False, f"mismatches: {misses} / {pg_misses}")  # fmt: skip
        paths = [
            f"/01/{gtin}/10/{quote(lot, safe='')}/21/{quote(serial, safe='')}"
            for gtin, lot, serial in picks
        ]
        spread = random.Random(5).sample(paths * (SPREAD // len(paths) + 1), SPREAD)
        warm = ["/data" + p for p in spread[:400]]
        answers = {}
        for engine, location in (("SQLite", str(db)), ("PostgreSQL", url)):
            answers[engine] = _serve_and_measure(location, folder, warm, lambda port: {
                "one unit": _wrk(port, ["/data" + paths[0]], "application/json", folder),
                "10,000 units": _wrk(port, ["/data" + p for p in spread], "application/json",
                                     folder),
            })  # fmt: skip
        for label in ("one unit", "10,000 units"):
            (rate, p99, bad), (pg_rate, pg_p99, pg_bad) = (
                answers["SQLite"][label], answers["PostgreSQL"][label],
            )  # fmt: skip
            figures += _side_by_side(
                f"origin JSON, {label}, --workers 2", "requests/s", rate, pg_rate, True,
                f"p99 {p99:.2f} / {pg_p99:.2f} ms; not 2xx/3xx: {bad} / {pg_bad}",
            )  # fmt: skip
    return figures


def _warm(port: int, paths: list[str]) -> None:
    """A running server has its connections open and its statements prepared: ask a few
    hundred times first, on several connections, so both workers are warm."""
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda path: urlopen(f"http://127.0.0.1:{port}{path}").read(), paths))


def _serve_and_measure(
    location: str,
    folder: Path,
    warm: list[str],
    measure: Callable[[int], dict[str, tuple[float, float, int]]],
) -> dict[str, tuple[float, float, int]]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "batchlabel", "--db", location, "serve", "--port", str(port),
         "--rate-limit", "0", "--workers", "2"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait(port)
        time.sleep(1.0)  # both workers up
        _warm(port, warm)
        return measure(port)
    finally:
        server.terminate()
        server.wait(timeout=20)


def tracing() -> list[Figure]:
    with tempfile.TemporaryDirectory() as name, postgres_database() as url:
        db = Path(name) / "trace.db"
        traceability.build(db)
        _copied(db, url)
        _, sqlite99, _, back99, reached = traceability.trace_times(db)
        _, postgres99, _, pg_back99, _ = traceability.trace_times(url)
    return [
        *_side_by_side("forward trace p99, 1,000,000 units", "ms", sqlite99, postgres99, False,
                       f"{reached} direct batches each"),
        *_side_by_side("backward trace p99", "ms", back99, pg_back99, False),
    ]  # fmt: skip


def run() -> list[Figure]:
    return [*allocation(), *resolving_and_origin_pages(), *tracing()]


if __name__ == "__main__":
    print_table("SQLite and PostgreSQL", run())
