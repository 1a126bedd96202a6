"""Printing to a fake ZPL printer on 127.0.0.1 and through a real CUPS server."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from batchlabel.models import Actor, LabelState
from batchlabel.printers import open_printer, parse_host_status
from batchlabel.store import Store
from tests.conftest import GTIN, Run
from tests.fakeprinter import Behaviour, FakePrinter


@pytest.fixture
def printer() -> Iterator[FakePrinter]:
    fake = FakePrinter()
    yield fake
    fake.close()


def setup_batch(run: Run, status: str = "release", quantity: int = 5) -> None:
    run("product", "add", "COL", "--name", "Collar", "--gtin", GTIN)
    run("batch", "create", "COL", "--lot", "L1", "--quantity", str(quantity))
    if status:
        run("batch", status, "L1", "--reason", "test")


def serials_in(labels: list[str]) -> list[str]:
    return [re.search(r"SN ([0-9A-Z]+)", label).group(1) for label in labels]  # type: ignore[union-attr]


def wait_for(predicate: Callable[[], object], seconds: float = 10.0) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline and not predicate():
        time.sleep(0.05)


def test_one_label_per_serial_in_order(run: Run, printer: FakePrinter) -> None:
    setup_batch(run)
    done = run("print", "L1", "--printer", printer.uri, "--json")
    assert done.exit_code == 0, done.stderr
    assert done.json()["confirmed"] == ["000001", "000002", "000003", "000004", "000005"]
    wait_for(lambda: len(printer.labels()) == 5)
    assert serials_in(printer.labels()) == ["000001", "000002", "000003", "000004", "000005"]


def test_printing_again_is_refused_without_reprint(run: Run, printer: FakePrinter) -> None:
    setup_batch(run)
    run("print", "L1", "--printer", printer.uri, "--serials", "000001")
    again = run("print", "L1", "--printer", printer.uri, "--serials", "000001")
    assert again.exit_code == 2 and "reprint 000001" in again.stderr
    reprinted = run("reprint", "000001", "--reason", "smudged", "--printer", printer.uri)
    assert reprinted.exit_code == 0, reprinted.stderr
    wait_for(lambda: len(printer.labels()) == 2)
    assert serials_in(printer.labels()) == ["000001", "000001"]


def test_unreleased_batch_does_not_print(run: Run, printer: FakePrinter) -> None:
    setup_batch(run, status="quarantine")
    refused = run("print", "L1", "--printer", printer.uri)
    assert refused.exit_code == 2 and "is quarantined, not released" in refused.stderr
    assert printer.received == b""
    override = run(
        "print", "L1", "--printer", printer.uri, "--allow-unreleased", "--reason", "QA sample"
    )
    assert override.exit_code == 0, override.stderr
    history = run("batch", "show", "L1", "--json").json()["history"]
    assert any(h.get("reason") == "QA sample" for h in history)


def test_count_allocates_new_serials(run: Run, printer: FakePrinter) -> None:
    setup_batch(run, quantity=0)
    done = run("print", "L1", "--printer", printer.uri, "--count", "3", "--json").json()
    assert done["confirmed"] == ["000001", "000002", "000003"]


def test_connection_lost_mid_job_then_resume(run: Run, db_path: Path) -> None:
    setup_batch(run, quantity=450)
    broken = FakePrinter(Behaviour(close_after_bytes=2000))
    first = run("print", "L1", "--printer", broken.uri)
    broken.close()
    assert first.exit_code == 1
    assert "not sent" in first.stderr and "--resume 1" in first.stderr
    store = Store.open(db_path)
    uncertain, pending = (
        store.job_serials(1, LabelState.SENT),
        store.job_serials(1, LabelState.PENDING),
    )
    store.close()
    assert len(uncertain) == 200 and len(pending) == 250  # first chunk left, the rest never did
    healthy = FakePrinter()
    resumed = run("print", "--resume", "1", "--printer", healthy.uri, "--json")
    assert resumed.exit_code == 0, resumed.stderr
    wait_for(lambda: len(healthy.labels()) == 250)
    healthy.close()
    assert serials_in(healthy.labels()) == pending  # only what was not sent, in order
    done = resumed.json()
    # The resume confirms what it sent and nothing else: the 200 labels of the broken send
    # may or may not have come out, so they stay uncertain until reprinted or voided.
    assert done["confirmed"] == pending
    assert done["uncertain"] == uncertain and done["pending"] == []
    again = run("print", "--resume", "1")  # nothing left to send: no printer is asked
    assert again.exit_code == 0, again.stderr
    assert "waiting to be sent" in again.stdout
    assert "200 label(s) from an earlier run are still uncertain" in again.stdout


def test_silent_printer_is_not_confirmed(run: Run) -> None:
    setup_batch(run, quantity=2)
    silent = FakePrinter(Behaviour(silent=True))
    done = run("print", "L1", "--printer", silent.uri, "--json")
    silent.close()
    assert done.exit_code == 1 and "not confirmed" in done.stderr
    doc = done.json()
    assert doc["confirmed"] == [] and doc["uncertain"] == ["000001", "000002"]
    assert "did not answer" in doc["note"]


@pytest.mark.parametrize(
    ("behaviour", "problem"),
    [
        (Behaviour(paper_out=True), "out of paper"),
        (Behaviour(head_open=True), "print head up"),
    ],
)
def test_printer_faults_are_reported(run: Run, behaviour: Behaviour, problem: str) -> None:
    fake = FakePrinter(behaviour)
    setup_batch(run, quantity=1)
    check = run("printer", "check", fake.uri)
    assert check.exit_code == 1 and problem in check.stderr
    done = run("print", "L1", "--printer", fake.uri, "--json")
    fake.close()
    assert done.exit_code == 1
    assert done.json()["uncertain"] == ["000001"] and problem in done.json()["note"]


def test_host_status_parsing() -> None:
    fake = FakePrinter(Behaviour(paper_out=True))
    status = open_printer(fake.uri, timeout=2).status()
    fake.close()
    assert status.reachable and status.paper_out and not status.ready
    ready = parse_host_status(
        b"\x02030,0,0,1245,003,0,0,0,000,0,0,0\x03\r\n\x02001,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n"
    )
    assert ready.ready and ready.buffered_formats == 3


def test_void_never_prints_again(run: Run, printer: FakePrinter) -> None:
    setup_batch(run, quantity=3)
    assert run("void", "000002", "--reason", "torn").exit_code == 0
    done = run("print", "L1", "--printer", printer.uri, "--json").json()
    assert done["confirmed"] == ["000001", "000003"]
    refused = run("print", "L1", "--printer", printer.uri, "--serials", "000002")
    assert refused.exit_code == 2 and "voided" in refused.stderr


def test_file_printer_and_unknown_printer(run: Run, tmp_path: Path) -> None:
    setup_batch(run, quantity=2)
    out = tmp_path / "labels.zpl"
    assert run("print", "L1", "--printer", f"file://{out}").exit_code == 0
    assert out.read_text().count("^XA") == 2
    unknown = run("print", "L1", "--printer", "nope")
    assert unknown.exit_code == 2 and "No printer named 'nope'" in unknown.stderr


KILLED_JOB = """
import sys, time
from pathlib import Path
from batchlabel.models import Actor
from batchlabel.printers import open_printer
from batchlabel.services.printing import run_job
from batchlabel.store import Store
from batchlabel.labels.templates import find_template

class SlowPrinter:
    def __init__(self, inner):
        self.inner, self.uri, self.language = inner, inner.uri, "zpl"
    def send(self, data, name="label"):
        self.inner.send(data, name)
        print("chunk", flush=True)
        time.sleep(0.5)
    def status(self):
        return self.inner.status()
    def close(self):
        self.inner.close()

store = Store.open(Path(sys.argv[1]))
run_job(store, 1, find_template("item-50x30"), Actor("p", "s"), SlowPrinter(open_printer(sys.argv[2])))
"""


def test_killed_process_leaves_a_resumable_job(
    run: Run, db_path: Path, printer: FakePrinter, actor: Actor
) -> None:
    setup_batch(run, quantity=1000)
    from batchlabel.labels.templates import find_template
    from batchlabel.services.printing import start_job

    store = Store.open(db_path)
    start_job(store, store.batch("L1"), find_template("item-50x30"), printer.uri, 203, actor)
    store.close()
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_JOB, str(db_path), printer.uri],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "chunk"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    wait_for(lambda: len(printer.labels()) >= 200)
    time.sleep(0.3)
    before = serials_in(printer.labels())
    resumed = run("print", "--resume", "1", "--json")
    assert resumed.exit_code == 0, resumed.stderr
    wait_for(lambda: len(printer.labels()) == 1000)
    everything = serials_in(printer.labels())
    assert len(everything) == len(set(everything)) == 1000, "no label twice, none lost"
    assert everything[: len(before)] == before
    done = resumed.json()
    # The resume confirms exactly what it sent; what the killed process had sent stays
    # uncertain (nobody saw it come out), and no serial is both unsent and marked printed.
    assert done["confirmed"] == everything[len(before) :]
    assert done["uncertain"] == before and done["pending"] == []


def _cups_available() -> bool:
    return (
        shutil.which("cupsd") is not None
        and shutil.which("lpadmin") is not None
        and os.geteuid() == 0
    )


@pytest.fixture
def cups_queue(printer: FakePrinter) -> Iterator[str]:
    assert _cups_available(), (
        "CUPS is required: scripts/test.sh installs it (cups cups-client cups-bsd)"
    )
    if (
        subprocess.run(["lpstat", "-r"], capture_output=True, text=True).stdout.find("not running")
        >= 0
        or subprocess.run(["lpstat", "-r"], capture_output=True).returncode != 0
    ):
        subprocess.run(["/usr/sbin/cupsd"], check=True)
        wait_for(
            lambda: subprocess.run(
                ["lpstat", "-r"], capture_output=True, text=True
            ).stdout.startswith("scheduler is running")
        )
    queue = f"batchlabel_test_{os.getpid()}"
    subprocess.run(
        ["lpadmin", "-p", queue, "-E", "-v", f"socket://127.0.0.1:{printer.port}", "-m", "raw"],
        check=True,
        capture_output=True,
    )
    yield queue
    subprocess.run(["lpadmin", "-x", queue], capture_output=True)


def test_print_through_real_cups_raw_queue(run: Run, printer: FakePrinter, cups_queue: str) -> None:
    setup_batch(run, quantity=3)
    listed = run("printer", "list", "--json").json()
    assert cups_queue in listed["cups_queues"]
    done = run("print", "L1", "--printer", f"cups://{cups_queue}")
    assert done.exit_code == 0, done.stderr
    wait_for(lambda: len(printer.labels()) == 3, seconds=30)
    assert serials_in(printer.labels()) == ["000001", "000002", "000003"]


def test_unreachable_printer_leaves_labels_not_sent(run: Run, db_path: Path) -> None:
    setup_batch(run, quantity=2)
    gone = FakePrinter()
    uri = gone.uri
    gone.close()
    failed = run("print", "L1", "--printer", uri)
    assert failed.exit_code == 1 and "Cannot reach the printer" in failed.stderr
    store = Store.open(db_path)
    pending, sent = store.job_serials(1, LabelState.PENDING), store.job_serials(1, LabelState.SENT)
    store.close()
    assert pending == ["000001", "000002"] and sent == []


def test_interrupted_job_error_carries_the_job_as_it_stands(run: Run, db_path: Path) -> None:
    from batchlabel.labels.templates import find_template
    from batchlabel.services.printing import JobInterrupted, run_job, start_job

    setup_batch(run, quantity=450)
    broken = FakePrinter(Behaviour(close_after_bytes=2000))
    store = Store.open(db_path)
    actor = Actor("t", "t")
    template = find_template("item-50x30")
    job_id = start_job(store, store.batch("L1"), template, broken.uri, 203, actor)
    with pytest.raises(JobInterrupted) as caught:
        run_job(store, job_id, template, actor)
    store.close()
    broken.close()
    assert (
        caught.value.job.count(LabelState.SENT) == 200
        and caught.value.job.count(LabelState.PENDING) == 250
    )
