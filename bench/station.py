"""The station under load, with 1,000,000 units in the database: the batch page's latency with
8 concurrent signed-in clients, the time to start a print job (allocate, record, hand to the
printer thread) under 4 concurrent packers, a 1,000-label job printed from the station
against the same job run by the library directly (the command line's path) in the same run,
and receiving scans from 4 receivers into one session against the command line's session."""

from __future__ import annotations

import http.client
import json
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from batchlabel.labels.templates import find_template
from batchlabel.models import Actor, BatchStatus, LabelState
from batchlabel.services.lookup import CodeLookup
from batchlabel.services.people import add_person
from batchlabel.services.printing import run_job, start_job
from batchlabel.services.receiving import ReceivingSession
from batchlabel.store import Store
from bench.common import Figure, percentiles
from bench.scanning import build
from bench.web import _free_port

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.fakeprinter import Behaviour, FakePrinter

ACTOR = Actor("bench", "bench")
SECONDS = 6.0
PASSWORD = "bench-password-1"


def _sign_in(port: int) -> tuple[str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    body = urlencode({"name": "bench", "password": PASSWORD, "station": "bench-1"})
    conn.request(
        "POST", "/station/login", body, {"content-type": "application/x-www-form-urlencoded"}
    )
    answer = conn.getresponse()
    answer.read()
    cookie = "; ".join(c.split(";")[0] for c in answer.headers.get_all("set-cookie") or [])
    conn.request("GET", "/station/", headers={"cookie": cookie})
    page = conn.getresponse().read().decode()
    conn.close()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token, "signing in failed"
    return cookie, token.group(1)


def _pages(port: int, cookie: str, paths: list[str]) -> tuple[float, float, int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + SECONDS

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        mine = []
        while time.perf_counter() < stop:
            start = time.perf_counter()
            conn.request("GET", rng.choice(paths), headers={"cookie": cookie})
            answer = conn.getresponse()
            answer.read()
            mine.append((time.perf_counter() - start) * 1000)
            if answer.status != 200:
                errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / SECONDS, percentiles(latencies)[1], errors[0]


def _job_starts(port: int, cookie: str, csrf: str, lots: list[str]) -> tuple[float, int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def packer(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        mine = []
        for _ in range(40):
            body = urlencode(
                {"csrf": csrf, "template": "item-50x30", "printer": "bench", "count": "1"}
            )
            start = time.perf_counter()
            conn.request(
                "POST", f"/station/batch/SKU-0/{rng.choice(lots)}/print", body,
                {"cookie": cookie, "content-type": "application/x-www-form-urlencoded"},
            )  # fmt: skip
            answer = conn.getresponse()
            answer.read()
            mine.append((time.perf_counter() - start) * 1000)
            if answer.status != 303:
                errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=packer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return percentiles(latencies)[1], errors[0]


def _receiving(port: int, cookie: str, csrf: str, codes: list[str]) -> tuple[float, int, int]:
    """4 receivers scanning into one session: each scan resolved, checked and recorded."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    form = {"cookie": cookie, "content-type": "application/x-www-form-urlencoded"}
    conn.request("POST", "/station/receive", urlencode({"csrf": csrf, "name": "bench"}), form)
    answer = conn.getresponse()
    answer.read()
    session = answer.headers["location"]
    conn.close()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def receiver(mine: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        times = []
        for code in mine:
            start = time.perf_counter()
            conn.request(
                "POST", f"{session}/scan", urlencode({"csrf": csrf, "code": code}),
                {**form, "accept": "application/json"},
            )  # fmt: skip
            answer = conn.getresponse()
            answer.read()
            times.append((time.perf_counter() - start) * 1000)
            if answer.status != 200:
                errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(times)

    threads = [threading.Thread(target=receiver, args=(codes[n::4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return percentiles(latencies)[1], len(latencies), errors[0]


def _library_receiving(db: Path, codes: list[str]) -> float:
    """The same scans by the command line's receiving session, one at a time."""
    store = Store.open(db)
    try:
        session = ReceivingSession(CodeLookup(store), ACTOR, name="bench peer")
        times = []
        for code in codes:
            start = time.perf_counter()
            session.scan(code)
            times.append((time.perf_counter() - start) * 1000)
        return percentiles(times)[1]
    finally:
        store.close()


def _station_job(port: int, cookie: str, csrf: str, lot: str) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    body = urlencode({"csrf": csrf, "template": "item-50x30", "printer": "bench", "count": "1000"})
    start = time.perf_counter()
    conn.request(
        "POST", f"/station/batch/SKU-1/{lot}/print", body,
        {"cookie": cookie, "content-type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    answer = conn.getresponse()
    answer.read()
    job = answer.headers["location"]
    while True:
        conn.request("GET", f"{job}/state", headers={"cookie": cookie})
        state = json.loads(conn.getresponse().read())
        if not state["running"]:
            break
        time.sleep(0.7)  # as the job page asks
    seconds = time.perf_counter() - start
    conn.close()
    assert state["confirmed"] == 1000, state
    return 1000 / seconds


def _library_job(db: Path, printer: FakePrinter, lot: str) -> float:
    store = Store.open(db)
    template = find_template("item-50x30")
    start = time.perf_counter()
    job_id = start_job(
        store, store.batch(lot, "SKU-1"), template, printer.uri, 203, ACTOR, count=1000
    )
    outcome = run_job(store, job_id, template, ACTOR)
    seconds = time.perf_counter() - start
    assert outcome.confirmed and outcome.job.count(LabelState.CONFIRMED) == 1000
    store.close()
    return 1000 / seconds


def _job_seconds(db: Path, lot: str) -> float:
    """The newest job of ``lot``, from its own records: job recorded to labels confirmed.
    Both faces are timed alike (no HTTP, no polling), on the server's clock."""
    store = Store.open(db)
    events = store.events(store.batch(lot, "SKU-1"))
    store.close()
    created = [e for e in events if e.kind == "print_job_created"][-1]
    confirmed = [
        e
        for e in events
        if e.kind == "labels_confirmed" and e.detail.get("job") == created.detail["job"]
    ]
    return (
        datetime.fromisoformat(confirmed[-1].at) - datetime.fromisoformat(created.at)
    ).total_seconds()


def run() -> list[Figure]:
    printer = FakePrinter(Behaviour(keep=False))
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        picks = build(db)
        store = Store.open(db)
        add_person(store, "bench", "packer", PASSWORD, ACTOR)
        store.add_printer("bench", printer.uri, 203, "zpl", ACTOR)
        owned = [(b.sku, b.lot) for b in store.batches()]
        sku0 = [b.lot for b in store.batches(sku="SKU-0")][:50]
        sku1 = [b.lot for b in store.batches(sku="SKU-1")][:2]
        for lot in (*sku0, *sku1):
            store.set_status(store.batch(lot, None), BatchStatus.RELEASED, ACTOR, "bench")
        store.close()
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "batchlabel", "--db", str(db), "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL,
        )
        try:
            for _ in range(200):
                try:
                    http.client.HTTPConnection("127.0.0.1", port, timeout=0.2).connect()
                    break
                except OSError:
                    time.sleep(0.1)
            cookie, csrf = _sign_in(port)
            paths = [f"/station/batch/{sku}/{lot}" for sku, lot in owned[::7]]
            page_rate, page_p99, page_errors = _pages(port, cookie, paths)
            start_p99, start_errors = _job_starts(port, cookie, csrf, sku0)
            station_wall = _station_job(port, cookie, csrf, sku1[0])
            rng = random.Random(3)
            codes = [f"]d201{g}10{lot}\x1d21{serial}" for g, lot, serial in rng.sample(picks, 800)]
            scan_p99, scans, scan_errors = _receiving(port, cookie, csrf, codes[:400])
        finally:
            server.terminate()
            server.wait(timeout=20)
        _library_job(db, printer, sku1[1])
        library_scan_p99 = _library_receiving(db, codes[400:])
        station_rate = 1000 / _job_seconds(db, sku1[0])
        library_rate = 1000 / _job_seconds(db, sku1[1])
    printer.close()
    return [
        Figure("batch page, 8 signed-in clients", page_rate, "pages/s", "", f"{len(picks) * 100:,} units; errors {page_errors}"),
        Figure("batch page p99", page_p99, "ms", "< 50"),
        Figure("job start (allocate, record, hand over) p99, 4 packers", start_p99, "ms", "< 50", f"errors {start_errors}"),
        Figure("1,000-label job from the station, recorded to confirmed", station_rate, "labels/s", ">= 0.8x library", f"{station_rate / library_rate:.2f}x"),
        Figure("1,000-label job by the library (command line path, peer)", library_rate, "labels/s", "", "timed alike"),
        Figure("the same from Print to confirmed, as the packer sees it", station_wall, "labels/s", "", "HTTP and polling included"),
        Figure("receiving scan (resolve, check, record) p99, 4 receivers, one session", scan_p99, "ms", "< 50", f"{scans} scans; errors {scan_errors}"),
        Figure("the same scans by the command line's session (peer)", library_scan_p99, "ms", "", "in-process, no HTTP"),
    ]  # fmt: skip


if __name__ == "__main__":
    print(json.dumps([f.__dict__ for f in run()]))
