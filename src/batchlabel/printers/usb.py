"""A printer on this machine's USB port (usb:///dev/usb/lp0): written directly, and asked for
its status on the same device where the printer answers (TSPL, Brother QL and ZPL printers
do over USB)."""

from __future__ import annotations

import contextlib
import os
import select
import stat
import time

from batchlabel.errors import InputError, PrinterError, PrinterNotSent
from batchlabel.printers.dialects import DIALECTS, SLOWEST_BYTES_PER_SECOND, unreported
from batchlabel.printers.status import PrinterStatus


def checked_device(path: str) -> str:
    """A character device under /dev (a USB printer class device), or InputError."""
    if not path.startswith("/dev/") or ".." in path.split("/"):
        raise InputError(
            f"A USB printer is a device under /dev, such as /dev/usb/lp0, not '{path}'."
        )
    return path


class UsbPrinter:
    def __init__(self, uri: str, path: str, language: str, timeout: float) -> None:
        self.uri = uri
        self.path = checked_device(path)
        self.language = language
        self.dialect = DIALECTS.get(language)
        self.timeout = timeout
        self._fd: int | None = None

    def _open(self) -> int:
        if self._fd is None:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
            except OSError as error:
                raise PrinterNotSent(
                    f"Cannot open the printer at {self.path} ({error.strerror or error}); check "
                    "that it is plugged in and switched on."
                ) from None
            if not stat.S_ISCHR(os.fstat(fd).st_mode):
                os.close(fd)
                raise PrinterNotSent(f"{self.path} is not a printer device.")
            self._fd = fd
        return self._fd

    def send(self, data: bytes, name: str = "label") -> None:
        fd = self._open()
        view = memoryview(data)
        deadline = time.monotonic() + self.timeout + len(data) / SLOWEST_BYTES_PER_SECOND
        try:
            while view:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PrinterError(f"The printer at {self.path} stopped taking data.")
                _, ready, _ = select.select([], [fd], [], remaining)
                if ready:
                    view = view[os.write(fd, view) :]
        except OSError as error:
            self.close()
            raise PrinterError(
                f"Writing to the printer at {self.path} failed ({error.strerror or error})."
            ) from None

    def status(self) -> PrinterStatus:
        """The language's status query on the device; silence within the timeout is not ready."""
        if self.dialect is None or self.dialect.query is None:
            return unreported(self.language)
        try:
            fd = self._open()
            os.write(fd, self.dialect.query)
            answer = b""
            deadline = time.monotonic() + self.timeout
            while not answer or not self.dialect.complete(answer):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return PrinterStatus(
                        False,
                        detail=f"The printer at {self.path} did not answer within "
                        f"{self.timeout:g} s; it is not ready.",
                    )
                readable, _, _ = select.select([fd], [], [], remaining)
                if readable:
                    answer += os.read(fd, 64)
        except (OSError, PrinterError) as error:
            self.close()
            return PrinterStatus(
                False, detail=f"The printer at {self.path} cannot be reached ({error})."
            )
        return self.dialect.parse(answer)

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
