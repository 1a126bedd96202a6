"""Writing output files whole or not at all, and never over another one by surprise.

A report, recall list or export is written beside its final name and moved into place only
when complete, so a full disk or a killed process never leaves a half file that looks whole.
Files whose names batchlabel makes up (recall lists, rendered labels) never replace a file
already there: a second one of the same name gets the first free ``-2``, ``-3``... suffix.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a file name.", needs="output")
    with _written(path, mode, newline) as (handle, finished):
        yield handle
    try:
        os.replace(finished[0], path)
    except OSError as error:
        _remove(finished[0])
        raise _file_error(path, error) from None


@contextmanager
def _written(
    path: Path, mode: str, newline: str | None
) -> Iterator[tuple[IO[str] | IO[bytes], list[str]]]:
    """A temporary file beside ``path``, flushed to the disk when the block ends; its name
    is in the list then, for the caller to give it its final name. Any failure removes it."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"The folder {folder} does not exist.", needs="output")
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    except OSError as error:
        raise _file_error(path, error) from None
    finished: list[str] = []
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            yield handle, finished
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp made it private
        finished.append(temp)
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


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def file_stem(text: str, limit: int = 40) -> str:
    """``text`` as part of a file name. Characters a file name cannot hold become '_', and a
    short fingerprint of the original keeps different codes apart ('A/B' and 'A?B').

    >>> file_stem("2548-A"), file_stem("A/B") != file_stem("A?B")
    ('2548-A', True)
    """
    safe = _UNSAFE_NAME.sub("_", text)[:limit].lstrip(".") or "label"
    if safe == text:
        return safe
    return f"{safe}-{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:6]}"


@dataclass
class NewFile:
    """A file being written: ``handle`` while open, ``path`` its final name once closed."""

    handle: IO[bytes]
    path: Path


@contextmanager
def new_file(path: Path) -> Iterator[NewFile]:
    """Write a new binary file at ``path``, or at the first free ``stem-N.suffix`` beside it
    when that name is taken: complete or not at all, never replacing a file."""
    with _written(path, "wb", None) as (handle, finished):
        written = NewFile(handle, path)  # type: ignore[arg-type]  # opened "wb": bytes
        yield written
    try:
        written.path = _publish(finished[0], path)
    except OSError as error:
        _remove(finished[0])
        raise _file_error(path, error) from None


def _publish(temp: str, path: Path) -> Path:
    """Give the finished file its name without replacing any file: link() fails rather than
    replace, so two writers at once (two recalls in one second) each keep their own. Where
    the file system has no hard links (FAT and exFAT sticks, some network shares) the name is
    reserved with O_EXCL and the finished file moved over the reservation."""
    mode = 0o666 & ~_umask()
    for number in range(1, 10_000):
        candidate = path if number == 1 else path.with_name(f"{path.stem}-{number}{path.suffix}")
        try:
            os.link(temp, candidate)
        except FileExistsError:
            continue
        except OSError:
            try:
                os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))
            except FileExistsError:
                continue
            os.replace(temp, candidate)
            return candidate
        os.unlink(temp)
        return candidate
    raise BatchlabelError(f"Too many files named like {path} already; choose another folder.")


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
