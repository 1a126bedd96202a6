"""File and stdout 'printers': for previews, for the demo, and for piping into other tools."""

from __future__ import annotations

import sys
from pathlib import Path

from batchlabel.errors import PrinterError
from batchlabel.printers.status import PrinterStatus


class FilePrinter:
    """file:///folder writes one file per job; file:///path/labels.zpl appends to one file."""

    language = "zpl"

    def __init__(self, uri: str, path: str) -> None:
        self.uri = uri
        self.path = Path(path)
        if self.path.suffix == ".pdf":
            self.language = "pdf"

    def send(self, data: bytes, name: str = "label") -> None:
        target = self.path if self.path.suffix else self.path / f"{name}.{self.language}"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("ab") as handle:
                handle.write(data)
                handle.flush()
        except OSError as error:
            raise PrinterError(
                f"Cannot write labels to {target}: {error.strerror or error}."
            ) from None

    def status(self) -> PrinterStatus:
        folder = self.path if not self.path.suffix else self.path.parent
        probe = folder
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        import os

        if os.access(probe, os.W_OK):
            return PrinterStatus(True)
        return PrinterStatus(False, detail=f"The folder {folder} is not writable.")

    def close(self) -> None:
        pass


class StdoutPrinter:
    uri = "-"
    language = "zpl"

    def send(self, data: bytes, name: str = "label") -> None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()

    def status(self) -> PrinterStatus:
        return PrinterStatus(True)

    def close(self) -> None:
        pass
