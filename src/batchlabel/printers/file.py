"""File and stdout 'printers': for previews, for the demo, and for piping into other tools."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
from pathlib import Path

from batchlabel.errors import InputError, PrinterNotSent
from batchlabel.printers.status import PrinterStatus

# Folders a label file has no business in: a mistyped or hostile printer address must not
# overwrite the system, even when batchlabel runs as root.
_SYSTEM_FOLDERS = tuple(
    Path(p)
    for p in (
        "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/sbin", "/sys",
        "/usr", "/var/lib", "/var/spool", "/var/log", "/var/run", "/run",
    )
)  # fmt: skip


def checked_file_target(path: str) -> Path:
    """The path a file printer may write to, or InputError: an absolute path without '..'
    segments whose real folder (symlinks followed) is outside the system folders."""
    target = Path(path)
    if not target.is_absolute() or ".." in target.parts:
        raise InputError(
            f"A file printer needs an absolute path without '..', not '{path}' "
            "(file:///home/me/labels.zpl)."
        )
    # '//etc' is '/etc' to the system; realpath follows any symlinked folder on the way.
    real = Path("/" + os.path.realpath(target.parent).lstrip("/")) / target.name
    for folder in _SYSTEM_FOLDERS:
        if real == folder or folder in real.parents:
            raise InputError(f"A file printer does not write into the system folder {folder}.")
    return target


class FilePrinter:
    """file:///folder writes one file per job; file:///path/labels.zpl appends to one file."""

    language = "zpl"

    def __init__(self, uri: str, path: str, language: str = "zpl") -> None:
        self.uri = uri
        self.path = checked_file_target(path)
        self.language = "pdf" if self.path.suffix == ".pdf" else language

    def send(self, data: bytes, name: str = "label") -> None:
        """Append ``data`` whole, or leave the file as it was: a failed write (a full disk)
        is cut back off, so no half label stays behind and nothing of this send counts."""
        # The job's name becomes a file name: nothing in it may leave the folder.
        target = (
            self.path if self.path.suffix else self.path / f"{_safe_name(name)}.{self.language}"
        )
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # O_NOFOLLOW: a symlink planted at the target must not redirect the labels.
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o644)
        except OSError as error:
            raise PrinterNotSent(
                f"Cannot write labels to {target}: {error.strerror or error}."
            ) from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise PrinterNotSent(
                    f"{target} is not a regular file; a file printer writes only files."
                )
            before = os.lseek(fd, 0, os.SEEK_END)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            except OSError as error:
                _cut_back(fd, target, before)
                raise PrinterNotSent(
                    f"Cannot write labels to {target}: {error.strerror or error}; "
                    "nothing of this send was kept."
                ) from None
        finally:
            os.close(fd)

    def status(self) -> PrinterStatus:
        folder = self.path if not self.path.suffix else self.path.parent
        probe = folder
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if os.access(probe, os.W_OK):
            return PrinterStatus(True)
        return PrinterStatus(False, detail=f"The folder {folder} is not writable.")

    def close(self) -> None:
        pass


def _safe_name(name: str) -> str:
    """A job's name as a file name in the folder: no separator, no leading dot."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:80].lstrip(".") or "label"


def _cut_back(fd: int, target: Path, size: int) -> None:
    with contextlib.suppress(OSError):
        os.ftruncate(fd, size)
        if size == 0:
            target.unlink()  # made by this send: leave no empty file behind


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
