"""Print jobs started from the station run on a few worker threads, each keeping a database
connection of its own, so the pages stay quick while labels go out; the job's page follows it
through the records the job writes as it goes."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from batchlabel.errors import BatchlabelError
from batchlabel.labels.templates import find_template
from batchlabel.models import Actor
from batchlabel.printers import open_printer
from batchlabel.services.printing import run_job
from batchlabel.store import Store


@dataclass
class JobRunner:
    database: str  # a SQLite file or a PostgreSQL URL
    public_url: str
    templates_dir: Path | None = None
    workers: int = 4  # jobs printing at once; more wait their turn
    _running: set[int] = field(default_factory=set)
    _notes: dict[int, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _local: threading.local = field(default_factory=threading.local)
    _pool: ThreadPoolExecutor | None = None

    def start(
        self,
        job_id: int,
        template: str,
        actor: Actor,
        printer_uri: str | None = None,
        copies: int = 1,
    ) -> bool:
        """Send the job's pending labels in the background; False when it is already going."""
        with self._lock:
            if job_id in self._running:
                return False
            self._notes.pop(job_id, None)
            self._running.add(job_id)
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="print-job")
            pool = self._pool
        pool.submit(self._run, job_id, template, actor, printer_uri, copies)
        return True

    def running(self, job_id: int) -> bool:
        with self._lock:
            return job_id in self._running

    def note(self, job_id: int) -> str | None:
        """What the last run of the job had to say: why it stopped, or why it is unconfirmed."""
        with self._lock:
            return self._notes.get(job_id)

    def wait(self, timeout: float = 30.0) -> None:
        """The server is stopping: the jobs printing now finish (their labels are on their
        way), jobs still waiting are not started and stay resumable."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _store(self) -> Store:
        """This worker's own connection, opened once."""
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = Store.open(self.database)
            self._local.store = store
        return store

    def _run(
        self, job_id: int, template: str, actor: Actor, printer_uri: str | None, copies: int
    ) -> None:
        note = ""
        try:
            printer = open_printer(printer_uri) if printer_uri else None
            try:
                outcome = run_job(
                    self._store(),
                    job_id,
                    find_template(template, self.templates_dir),
                    actor,
                    printer,
                    resolver=self.public_url,
                    copies=copies,
                )
            finally:
                if printer is not None:
                    printer.close()
            if not outcome.confirmed:
                note = f"The labels were sent but not confirmed: {outcome.note}"
        except BatchlabelError as error:
            note = str(error)
        except Exception as error:  # a worker must not fail silently: say it on the job page
            note = f"The job stopped unexpectedly ({type(error).__name__}); resume it to go on."
        with self._lock:
            if note:
                self._notes[job_id] = note
            self._running.discard(job_id)
