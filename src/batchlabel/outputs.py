"""Writing output files whole or not at all.

A report, recall list or export is written beside its final name and moved into place only
when complete, so a full disk or a killed process never leaves a half file that looks whole.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from batchlabel.errors import BatchlabelError, InputError


def ensure_folder(folder: Path) -> Path:
    """Make ``folder`` (and its parents) if needed, or say in one sentence why it cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InputError(f"{folder} is a file, not a folder.", needs="output") from None
    except OSError as error:
        raise _file_error(folder, error) from None
    return folder


@contextmanager
def atomic_text_file(path: Path, newline: str | None = None) -> Iterator[IO[str]]:
    with _atomic(path, "w", newline) as handle:
        yield handle  # type: ignore[misc]


@contextmanager
def atomic_binary_file(path: Path) -> Iterator[IO[bytes]]:
    with _atomic(path, "wb", None) as handle:
        yield handle  # type: ignore[misc]


@contextmanager
def _atomic(path: Path, mode: str, newline: str | None) -> Iterator[IO[str] | IO[bytes]]:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"The folder {folder} does not exist.", needs="output")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a file name.", needs="output")
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    except OSError as error:
        raise _file_error(path, error) from None
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as error:
        _remove(temp)
        raise _file_error(path, error) from None
    except BaseException:
        _remove(temp)
        raise


def _remove(temp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(temp)


def _file_error(path: Path, error: OSError) -> BatchlabelError:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return BatchlabelError(
            f"The disk is full while writing {path}; nothing was written. Free some space and run it again."
        )
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return BatchlabelError(f"{path} cannot be written here (no permission).", needs="output")
    return BatchlabelError(f"Could not write {path}: {error.strerror or error}.")
