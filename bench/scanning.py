"""Resolving scans with 1,000,000 units and 10,000 batches in the database: p50/p99 per code
in-process (parsing included), beside biip's parse alone and the bare indexed SQLite
look-up; and scans/s through `batchlabel receive` with piped input (one commit per scan)."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import biip

from batchlabel.codes.gs1 import gs1_check_digit
from batchlabel.models import Actor
from batchlabel.services.lookup import CodeLookup
from batchlabel.store import Store
from bench.common import Figure, percentiles

ACTOR = Actor("bench", "bench")
PRODUCTS = 10
BATCHES_PER_PRODUCT = 1_000
UNITS_PER_BATCH = 100
SAMPLES = 20_000
PIPED = 3_000


def _gtin(n: int) -> str:
    body = f"0950600013{n:03d}"
    return body + str(gs1_check_digit(body))


def build(path: Path) -> list[tuple[str, str, str]]:
    """The database, and (gtin, lot, serial) of one unit per batch."""
    store = Store.open(path)
    picks = []
    for p in range(PRODUCTS):
        gtin = _gtin(p)
        store.add_product(f"SKU-{p}", f"Product {p}", ACTOR, gtin=gtin, serial_format="seq:8")
        for b in range(BATCHES_PER_PRODUCT):
            made = store.create_batch(
                f"SKU-{p}", ACTOR, lot=f"L{p}-{b:04d}", planned_quantity=UNITS_PER_BATCH
            )
            picks.append((gtin, made.batch.lot, made.serials[b % UNITS_PER_BATCH]))
    store.close()
    return picks


def _forms(gtin: str, lot: str, serial: str) -> list[str]:
    return [
        f"https://id.example.com/01/{gtin}/10/{lot}/21/{serial}",
        f"]d201{gtin}10{lot}\x1d21{serial}",
        f"(01){gtin}(10){lot}(21){serial}",
    ]


def resolve_latency(
    path: Path | str, picks: list[tuple[str, str, str]]
) -> tuple[float, float, int]:
    store = Store.open(path)
    lookup = CodeLookup(store)
    rng = random.Random(7)
    codes = [rng.choice(_forms(*rng.choice(picks))) for _ in range(SAMPLES)]
    for code in codes[:500]:  # warm the page cache as a running station would be
        lookup.resolve(code)
    times, misses = [], 0
    for code in codes:
        start = time.perf_counter()
        found = lookup.resolve(code)
        times.append((time.perf_counter() - start) * 1e6)
        misses += found.match != "unit"
    store.close()
    p50, p99 = percentiles(times)
    return p50, p99, misses


def biip_only(picks: list[tuple[str, str, str]]) -> tuple[float, float]:
    rng = random.Random(7)
    codes = [rng.choice(_forms(*rng.choice(picks))) for _ in range(SAMPLES)]
    times = []
    for code in codes:
        start = time.perf_counter()
        biip.parse(code)
        times.append((time.perf_counter() - start) * 1e6)
    return percentiles(times)


def sqlite_only(path: Path, picks: list[tuple[str, str, str]]) -> tuple[float, float]:
    conn = sqlite3.connect(path)
    ids = dict(conn.execute("SELECT gtin, id FROM products"))
    rng = random.Random(7)
    times = []
    for _ in range(SAMPLES):
        gtin, _lot, serial = rng.choice(picks)
        start = time.perf_counter()
        conn.execute(
            "SELECT id, batch_id, state FROM units WHERE product_id = ? AND serial = ?",
            (ids[gtin], serial),
        ).fetchone()
        times.append((time.perf_counter() - start) * 1e6)
    conn.close()
    return percentiles(times)


def piped_receive(path: Path, picks: list[tuple[str, str, str]]) -> float:
    rng = random.Random(8)
    lines = "".join(rng.choice(_forms(*rng.choice(picks))) + "\n" for _ in range(PIPED))
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "batchlabel", "--db", str(path), "receive", "--json"],
        input=lines,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    assert done.stdout.count('"match": "unit"') == PIPED, done.stderr[-500:]
    return PIPED / seconds


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        picks = build(path)
        p50, p99, misses = resolve_latency(path, picks)
        biip50, biip99 = biip_only(picks)
        sql50, sql99 = sqlite_only(path, picks)
        rate = piped_receive(path, picks)
    units = PRODUCTS * BATCHES_PER_PRODUCT * UNITS_PER_BATCH
    note = f"{units:,} units, {PRODUCTS * BATCHES_PER_PRODUCT:,} batches; {misses} mismatches"
    return [
        Figure("resolve p50: batchlabel (parse + look-ups)", p50, "us", "", note),
        Figure("resolve p99: batchlabel", p99, "us", "< 500"),
        Figure("biip.parse alone p50 / p99 (peer)", biip50, "us", "", f"p99 {biip99:.0f} us"),
        Figure(
            "indexed SQLite look-up alone p50 / p99 (peer)", sql50, "us", "", f"p99 {sql99:.0f} us"
        ),
        Figure(
            "receive, piped, one commit per scan",
            rate,
            "scans/s",
            "",
            f"{PIPED:,} scans, process start included",
        ),
    ]
