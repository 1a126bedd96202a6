"""Print jobs started from the station run in a thread of their own, each with its own
database connection, so the pages stay quick while labels go out; the job's page follows it
through the records the job writes as it goes."""

from __future__ import annotations

import threading
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
    db_path: Path
    public_url: str
    templates_dir: Path | None = None
    _running: dict[int, threading.Thread] = field(default_factory=dict)
    _notes: dict[int, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(
        self, job_id: int, template: str, actor: Actor, printer_uri: str | None = None
    ) -> bool:
        """Send the job's pending labels in the background; False when it is already going."""
        with self._lock:
            if job_id in self._running:
                return False
            self._notes.pop(job_id, None)
            thread = threading.Thread(
                target=self._run, args=(job_id, template, actor, printer_uri), daemon=True
            )
            self._running[job_id] = thread
        thread.start()
        return True

    def running(self, job_id: int) -> bool:
        with self._lock:
            return job_id in self._running

    def note(self, job_id: int) -> str | None:
        """What the last run of the job had to say: why it stopped, or why it is unconfirmed."""
        with self._lock:
            return self._notes.get(job_id)

    def wait(self, timeout: float = 30.0) -> None:
        """Let running jobs finish (the server is stopping)."""
        with self._lock:
            threads = list(self._running.values())
        for thread in threads:
            thread.join(timeout)

    def _run(self, job_id: int, template: str, actor: Actor, printer_uri: str | None) -> None:
        note = ""
        try:
            store = Store.open(self.db_path)
            try:
                printer = open_printer(printer_uri) if printer_uri else None
                try:
                    outcome = run_job(
                        store,
                        job_id,
                        find_template(template, self.templates_dir),
                        actor,
                        printer,
                        resolver=self.public_url,
                    )
                finally:
                    if printer is not None:
                        printer.close()
                if not outcome.confirmed:
                    note = f"The labels were sent but not confirmed: {outcome.note}"
            finally:
                store.close()
        except BatchlabelError as error:
            note = str(error)
        except Exception as error:  # a thread must not die silently: say it on the job page
            note = f"The job stopped unexpectedly ({type(error).__name__}); resume it to go on."
        with self._lock:
            if note:
                self._notes[job_id] = note
            self._running.pop(job_id, None)
