"""Labels/s streamed to the fake printer on 127.0.0.1 for a 10,000-label job, and the peak
memory of the job, against a 30,000-label job (memory must stay flat as the job grows)."""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from batchlabel.labels.templates import find_template
from batchlabel.models import Actor, BatchStatus, LabelState
from batchlabel.services.printing import run_job, start_job
from batchlabel.store import Store
from bench.common import Figure

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.fakeprinter import Behaviour, FakePrinter

ACTOR = Actor("bench", "bench")


def job(count: int) -> tuple[float, float]:
    printer = FakePrinter(Behaviour(keep=False))
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "bench.db")
        store.add_product("B", "Bench collar", ACTOR, gtin="09506000134352")
        batch = store.create_batch("B", ACTOR, lot="L1", planned_quantity=count).batch
        batch = store.set_status(batch, BatchStatus.RELEASED, ACTOR, "bench")
        template = find_template("item-50x30")
        job_id = start_job(store, batch, template, printer.uri, 203, ACTOR)
        tracemalloc.start()
        start = time.perf_counter()
        outcome = run_job(store, job_id, template, ACTOR)
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert outcome.confirmed and outcome.job.count(LabelState.CONFIRMED) == count
        store.close()
    printer.close()
    return count / seconds, peak / 1e6


def run() -> list[Figure]:
    # Warm-up: fonts, templates and the bounded text caches (4,096 lines) fill once per
    # process; after that a job's peak must not grow with its size.
    job(5_000)
    rate, peak = job(10_000)
    big_rate, big_peak = job(30_000)
    return [
        Figure("10,000-label job to fake printer (tcp://127.0.0.1)", rate, "labels/s", ">= 2,000"),
        Figure("peak Python memory, 10,000 labels", peak, "MB", "flat"),
        Figure(
            "peak Python memory, 30,000 labels",
            big_peak,
            "MB",
            "flat",
            f"{big_peak / peak:.2f}x the 10,000-label peak",
        ),
        Figure("30,000-label job", big_rate, "labels/s"),
    ]
