"""Several stations allocating into one batch at once, and a station killed mid-allocation."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from batchlabel.models import Actor
from batchlabel.store import Store

WORKERS = 6
PER_WORKER = 60


def _allocate_one_at_a_time(db_path: str, station: str, count: int) -> list[str]:
    store = Store.open(Path(db_path))
    batch = store.batch("L1")
    actor = Actor("worker", station)
    got: list[str] = []
    for _ in range(count):
        got.extend(store.allocate(batch, 1, actor).serials)
    store.close()
    return got


def test_parallel_stations_never_share_a_serial(db_path: Path, actor: Actor) -> None:
    store = Store.open(db_path)
    store.add_product("A", "A", actor)
    batch = store.create_batch("A", actor, lot="L1").batch
    store.close()
    context = multiprocessing.get_context("spawn")
    with context.Pool(WORKERS) as pool:
        results = pool.starmap(
            _allocate_one_at_a_time,
            [(str(db_path), f"station-{i}", PER_WORKER) for i in range(WORKERS)],
        )
    everything = [s for result in results for s in result]
    assert len(everything) == WORKERS * PER_WORKER
    assert len(set(everything)) == len(everything)
    store = Store.open(db_path)
    assert store.unit_counts(batch)["allocated"] == WORKERS * PER_WORKER
    stations = {e.station for e in store.events(batch) if e.kind == "serials_allocated"}
    assert stations == {f"station-{i}" for i in range(WORKERS)}
    store.close()


KILLED_ALLOCATION = """
import sys
from pathlib import Path
from batchlabel.models import Actor
from batchlabel.store import Store
store = Store.open(Path(sys.argv[1]))
batch = store.batch("L1")
print("ready", flush=True)
while True:  # the largest allowed allocation, again and again, until killed
    store.allocate(batch, 100_000, Actor("killed", "bench-9"))
    print("chunk", flush=True)
"""


def test_killed_process_leaves_no_half_allocated_range(db_path: Path, actor: Actor) -> None:
    store = Store.open(db_path)
    store.add_product("A", "A", actor)
    batch = store.create_batch("A", actor, lot="L1", planned_quantity=10).batch
    store.close()
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_ALLOCATION, str(db_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    assert child.stdout.readline().strip() == "chunk"  # one whole range committed...
    time.sleep(0.1)  # ...and the next one under way
    assert child.poll() is None, "the allocating process must still be at work when killed"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    store = Store.open(db_path)
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    allocated = store.unit_counts(batch)["allocated"]
    # Only whole ranges: the 10 made with the batch and each committed 100,000, never a part.
    assert allocated >= 100_010 and (allocated - 10) % 100_000 == 0
    # The counter did not move past them either: the next serial follows the last committed one.
    assert store.allocate(batch, 1, actor).serials == (f"{allocated + 1:06d}",)
    store.close()
