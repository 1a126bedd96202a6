"""Printing through the local CUPS server: raw ZPL with the zebra package, or PDF for
printers that do not speak ZPL (DYMO, Brother, Rollo, office printers with label sheets)."""

from __future__ import annotations

import shutil
import subprocess

from batchlabel.errors import PrinterError
from batchlabel.printers.status import PrinterStatus


def cups_queues() -> list[str]:
    """The CUPS queues on this machine (empty when CUPS is not installed or not running)."""
    if shutil.which("lpstat") is None:
        return []
    try:
        # lpstat -p lists "printer NAME is idle..."; its complaints (no destinations, no
        # server) are caught here rather than printed under our own output.
        done = subprocess.run(
            ["lpstat", "-p"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.split()[1] for line in done.stdout.splitlines() if line.startswith("printer ")]


class CupsPrinter:
    def __init__(self, uri: str, queue: str, language: str) -> None:
        self.uri = uri
        self.queue = queue
        self.language = language

    def send(self, data: bytes, name: str = "label") -> None:
        if shutil.which("lpr") is None:
            raise PrinterError(
                "CUPS is not installed here (no 'lpr'); install the cups-bsd package."
            )
        if self.language == "zpl":
            from zebra import Zebra

            try:
                Zebra(self.queue).output(data)  # type: ignore[no-untyped-call]
            except (OSError, subprocess.SubprocessError) as error:
                raise PrinterError(
                    f"CUPS refused the job for queue '{self.queue}': {error}."
                ) from None
            return
        done = subprocess.run(
            ["lpr", "-P", self.queue, "-T", name], input=data, capture_output=True, timeout=60
        )
        if done.returncode != 0:
            raise PrinterError(
                f"CUPS refused the job for queue '{self.queue}': {done.stderr.decode(errors='replace').strip()}."
            )

    def status(self) -> PrinterStatus:
        if self.queue in cups_queues():
            return PrinterStatus(True)
        return PrinterStatus(
            False,
            detail=f"CUPS has no queue named '{self.queue}'; the printer list shows the queues it has.",
        )

    def close(self) -> None:
        pass
