"""Trace, recall and EPCIS export with 1,000,000 units, 10,000 batches, 2,000 material lots
and 50,000 cartons. Products 5-9 are made from batches of products 0-4 (two levels), every
batch uses 3 material lots, every unit is packed (20 per carton) and shipped (10 cartons per
shipment, 200 customers).

Serials and batches are made through the Store; genealogy, cartons and shipments are bulk
inserted with SQL, since only the reading side is measured here."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from batchlabel.models import Actor
from batchlabel.services.recall import plan_recall, write_recall_list
from batchlabel.services.trace import Target, backward, forward
from batchlabel.store import Store
from bench.common import Figure, percentiles

ACTOR = Actor("bench", "bench")
PRODUCTS, BATCHES_PER_PRODUCT, UNITS_PER_BATCH = 10, 1_000, 100
MATERIALS, CARTON_SIZE, CARTONS_PER_SHIPMENT, CUSTOMERS = 2_000, 20, 10, 200
SAMPLES = 200


def build(path: Path) -> None:
    store = Store.open(path)
    for p in range(PRODUCTS):
        store.add_product(f"SKU-{p}", f"Product {p}", ACTOR, serial_format="seq:8")
        for b in range(BATCHES_PER_PRODUCT):
            store.create_batch(
                f"SKU-{p}", ACTOR, lot=f"L{p}-{b:04d}", planned_quantity=UNITS_PER_BATCH
            )
    store.close()
    rng = random.Random(5)
    now = "2026-11-23T10:00:00.000+00:00"
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany("INSERT INTO suppliers (id, name, created_at) VALUES (?, ?, ?)",
                         [(s, f"Supplier {s}", now) for s in range(1, 51)])  # fmt: skip
        conn.executemany(
            "INSERT INTO material_lots (id, kind, supplier_id, lot, origin, quantity, unit, public,"
            " received_at) VALUES (?, 'leather', ?, ?, 'Tuscany', 10, 'm2', 1, ?)",
            [(m, 1 + m % 50, f"M-{m:05d}", now) for m in range(1, MATERIALS + 1)],
        )
        batch_ids = [r[0] for r in conn.execute("SELECT id FROM batches ORDER BY id")]
        half = len(batch_ids) // 2
        inputs: list[tuple[int, int | None, int | None, str]] = []
        for index, batch_id in enumerate(batch_ids):
            for material in rng.sample(range(1, MATERIALS + 1), 3):
                inputs.append((batch_id, material, None, now))
            if index >= half:  # products 5-9 are made from a batch of products 0-4
                inputs.append((batch_id, None, batch_ids[index - half], now))
        conn.executemany(
            "INSERT INTO batch_inputs (batch_id, material_lot_id, input_batch_id, quantity, unit, at)"
            " VALUES (?, ?, ?, 1, 'm2', ?)",
            inputs,
        )
        conn.executemany("INSERT INTO customers (id, name, created_at) VALUES (?, ?, ?)",
                         [(c, f"Shop {c}", now) for c in range(1, CUSTOMERS + 1)])  # fmt: skip
        units = conn.execute("SELECT count(*) FROM units").fetchone()[0]
        cartons = units // CARTON_SIZE
        shipments = cartons // CARTONS_PER_SHIPMENT
        conn.executemany(
            "INSERT INTO shipments (id, code, customer_id, shipped_at, user, station)"
            " VALUES (?, ?, ?, ?, 'bench', 'bench')",
            [(s, f"DN-{s}", 1 + s % CUSTOMERS, now) for s in range(1, shipments + 1)],
        )
        conn.executemany(
            "INSERT INTO cartons (id, code, kind, shipment_id, created_at) VALUES (?, ?, 'internal', ?, ?)",
            [
                (c, f"C{c:06d}", 1 + (c - 1) // CARTONS_PER_SHIPMENT, now)
                for c in range(1, cartons + 1)
            ],
        )
        conn.execute(
            "INSERT INTO carton_units (unit_id, carton_id, packed_at)"
            f" SELECT id, 1 + (id - 1) / {CARTON_SIZE}, ? FROM units",
            (now,),
        )
    conn.execute("ANALYZE")
    conn.close()


def trace_times(path: Path | str) -> tuple[float, float, float, float, int]:
    store = Store.open(path)
    rng = random.Random(9)
    lots = [store.materials(lot=f"M-{rng.randint(1, MATERIALS):05d}")[0] for _ in range(SAMPLES)]
    forward(store, material=lots[0])
    times, reached = [], 0
    for material in lots:
        start = time.perf_counter()
        tree = forward(store, material=material)
        times.append((time.perf_counter() - start) * 1000)
        reached += len(tree.children)
    batches = list(store.batches_by_ids(range(5001, 5001 + SAMPLES)).values())
    back = []
    for batch in batches:
        start = time.perf_counter()
        backward(store, batch)
        back.append((time.perf_counter() - start) * 1000)
    store.close()
    p50, p99 = percentiles(times)
    b50, b99 = percentiles(back)
    return p50, p99, b50, b99, reached // SAMPLES


def raw_cte(path: Path) -> tuple[float, float]:
    """Peer: the bare recursive query for the affected batches, nothing else."""
    conn = sqlite3.connect(path)
    rng = random.Random(9)
    times = []
    for _ in range(SAMPLES):
        start = time.perf_counter()
        conn.execute(
            "WITH RECURSIVE down(b) AS (SELECT batch_id FROM batch_inputs WHERE material_lot_id = ?"
            " UNION SELECT bi.batch_id FROM batch_inputs bi JOIN down ON bi.input_batch_id = down.b)"
            " SELECT count(*) FROM units u JOIN carton_units cu ON cu.unit_id = u.id"
            " WHERE u.batch_id IN (SELECT b FROM down)",
            (rng.randint(1, MATERIALS),),
        ).fetchone()
        times.append((time.perf_counter() - start) * 1000)
    conn.close()
    return percentiles(times)


def recall_dry_run(path: Path, folder: Path) -> tuple[float, int]:
    store = Store.open(path)
    material = store.materials(lot="M-00042")[0]
    start = time.perf_counter()
    plan = plan_recall(store, Target(material=material))
    write_recall_list(store, plan, folder, dry_run=True)
    seconds = time.perf_counter() - start
    store.close()
    return seconds * 1000, plan.shipped_items


def export(path: Path, out: Path, *args: str) -> tuple[float, int, float]:
    """Events/s and peak memory of `batchlabel export epcis` in its own process."""
    code = (
        "import resource, sys, time; from batchlabel.cli import main; t = time.perf_counter();\n"
        "try: main()\nexcept SystemExit: pass\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "--db", str(path), "export", "epcis", "--out", str(out), *args],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    count = int(done.stdout.split("Wrote ")[1].split()[0])
    seconds, peak_kb = done.stdout.strip().splitlines()[-1].split()
    return count / float(seconds), count, int(peak_kb) / 1024


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        build(path)
        p50, p99, b50, b99, reached = trace_times(path)
        raw50, raw99 = raw_cte(path)
        recall_ms, recalled_items = recall_dry_run(path, Path(folder) / "recall")
        rate_all, events_all, peak_all = export(path, Path(folder) / "all.json")
        rate_one, events_one, peak_one = export(path, Path(folder) / "one.json", "--lot", "L7-0001")
    note = "1,000,000 units, 10,000 batches, 2,000 material lots, 50,000 cartons"
    return [
        Figure("forward trace of a material lot, p50", p50, "ms", "", f"{note}; {reached} direct batches each"),
        Figure("forward trace of a material lot, p99", p99, "ms", "< 200"),
        Figure("bare recursive SQL + count (peer) p50 / p99", raw50, "ms", "", f"p99 {raw99:.1f} ms"),
        Figure("backward trace of a batch, p50 / p99", b50, "ms", "", f"p99 {b99:.1f} ms"),
        Figure("recall dry run of a material lot (plan + CSV + HTML)", recall_ms, "ms", "", f"{recalled_items} shipped items listed"),
        Figure("EPCIS export, all", rate_all, "events/s", ">= 20,000", f"{events_all:,} events, peak RSS {peak_all:.0f} MB"),
        Figure("EPCIS export, one lot", rate_one, "events/s", "", f"{events_one:,} events, peak RSS {peak_one:.0f} MB (flat: same as all)"),
    ]  # fmt: skip
